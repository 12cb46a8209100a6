import type { Fact } from '../polar/ast.ts';

/** One policy file as read from a source. */
export interface SourcePolicyFile {
  filename: string;
  src: string;
}

/** Where a fact came from, for error messages: `file:line` (line is 1-based; 0 when not line-based). */
export interface FactOrigin {
  file: string;
  line: number;
}

/** A fact with its origin. */
export interface SourcedFact {
  fact: Fact;
  origin: FactOrigin;
}

/** What one `read()` of a source yields. Facts are streamed: a source may fail midway through them. */
export interface SourceData {
  /** The policy files, in a stable order. */
  policy: SourcePolicyFile[];
  /** Every stored fact, each once per occurrence; iterate once. */
  facts: AsyncIterable<SourcedFact>;
  /**
   * The upstream's data version (e.g. Oso's `OsoOffset`), read after the facts are consumed so a source
   * may learn it while streaming. Default: none.
   */
  upstreamVersion?: string;
  /** Total bytes of fact input when known in advance (drives a progress bar). */
  totalBytes?: number;
  /** Bytes of fact input consumed so far, when the source can tell. */
  bytesRead?(): number;
}

/** An upstream of rules and data (`dir:<path>`, and later Oso-compatible APIs). */
export interface Source {
  /** Where the data comes from, without secrets, e.g. `dir:examples`; goes into the manifest. */
  readonly description: string;
  read(): Promise<SourceData>;
}
