/** Stable machine-readable error codes; the HTTP layer maps them to statuses in one place. */
export type ErrorCode =
  | 'policy-syntax'
  | 'policy-invalid'
  | 'policy-tests-failed'
  | 'bad-request'
  | 'unauthorized'
  | 'not-found'
  | 'read-only'
  | 'not-supported'
  | 'payload-too-large'
  | 'not-ready'
  | 'query-too-expensive'
  | 'snapshot-corrupt'
  | 'snapshot-unsupported'
  | 'store-unavailable'
  | 'store-conflict'
  | 'source-invalid'
  | 'source-unavailable'
  | 'upstream-auth'
  | 'internal';

/** A problem located in a policy file, reported as `file:line:column: message`. */
export interface Diagnostic {
  /** Stable kebab-case code, e.g. `unknown-role`. */
  code: string;
  message: string;
  file: string;
  line: number;
  column: number;
}

/** The one domain error: a stable code, a lower-case message, optional details and cause. */
export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly diagnostics: readonly Diagnostic[];

  constructor(
    code: ErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; diagnostics?: readonly Diagnostic[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.diagnostics = options.diagnostics ?? [];
  }
}

/** Formats a diagnostic the way compilers do: `file:line:column: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.message}`;
}

export function isDomainError(e: unknown, code?: ErrorCode): e is DomainError {
  return e instanceof DomainError && (code === undefined || e.code === code);
}
