import type { BlockMetadata, Fact, Value } from '../polar/ast.ts';

/**
 * The engine's public API: what the HTTP layer, the sync job and the test runner call.
 * All methods are synchronous (sql.js is) and never throw for a deny: a deny is `false` / `[]`.
 * Bad input (unknown types are fine, malformed values are not) throws `DomainError('bad-request')`.
 */

/** A value pattern: `null` type/id is a wildcard (`{type:null,id:null}` = anything). */
export interface ValuePattern {
  type: string | null;
  id: string | null;
}

export interface FactPattern {
  predicate: string;
  args: ValuePattern[];
}

export interface AuthorizeRequest {
  actor: Value;
  action: string;
  resource: Value;
  contextFacts?: Fact[];
}

export interface ListRequest {
  actor: Value;
  action: string;
  resourceType: string;
  contextFacts?: Fact[];
  /** Maximum ids to return; default: all (bounded by the engine's own limit). */
  limit?: number;
  /** Opaque cursor from a previous page's `nextPageToken`. */
  pageToken?: string;
}

export interface ListResult {
  /** Resource ids; `"*"` means every resource of the type (an unbounded rule). */
  results: string[];
  nextPageToken: string | null;
}

export interface ActionsRequest {
  actor: Value;
  resource: Value;
  contextFacts?: Fact[];
}

/** `/api/evaluate_query`: one predicate plus extra calls, over typed variables. */
export interface EvaluateQueryRequest {
  predicate: [string, string[]];
  calls: [string, string[]][];
  /** variable -> type and allowed ids (`null` = any). */
  constraints: Record<string, { type: string; ids: string[] | null }>;
  contextFacts?: Fact[];
  /** Maximum rows; default: engine limit. */
  limit?: number;
}

/** One row per distinct solution: variable -> id, or `null` when any value of its type fits. */
export type QueryRow = Record<string, string | null>;

export interface PolicyMetadataResult {
  metadata: { resources: Record<string, BlockMetadata> };
}

/** Limits that bound the work one request may do. */
export interface EngineLimits {
  /** Rows a list/query may return in one page. Default 10_000 for list pages, 100_000 rows overall. */
  maxResults: number;
  /** Facts a `getFacts` call may return. Default 10_000. */
  maxFacts: number;
  /** Context facts one request may carry. Default 10_000. */
  maxContextFacts: number;
}

export interface Engine {
  authorize(req: AuthorizeRequest): boolean;
  /** The subset of `resources` the actor may act on, order and duplicates preserved. */
  authorizeResources(req: Omit<AuthorizeRequest, 'resource'> & { resources: Value[] }): Value[];
  list(req: ListRequest): ListResult;
  /** Sorted distinct actions; `"*"` when any action is allowed. */
  actions(req: ActionsRequest): string[];
  evaluateQuery(req: EvaluateQueryRequest): QueryRow[];
  /** v1 `/api/query`: derived facts matching a pattern (wildcards allowed). */
  queryFacts(pattern: FactPattern, contextFacts?: Fact[]): Fact[];
  /** Stored facts (not derived) matching a pattern; `predicate` null means any predicate. */
  getFacts(pattern: { predicate: string | null; args: ValuePattern[] }, limit?: number): Fact[];
  policyMetadata(): PolicyMetadataResult;
  /** Number of stored facts. */
  factCount(): number;
  /** Releases the WASM database; the engine must not be used afterwards. */
  close(): void;
}
