import { DomainError } from '../errors.ts';

/** Environment variables as passed in by `functions/` (lib never reads the process environment itself). */
export type CliEnv = Readonly<Record<string, string | undefined>>;

/** Where a command writes; defaults to the process streams. */
export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

/**
 * Parses `--name value` pairs (and `--name=value`); `allowed` lists the names without dashes.
 * Unknown flags, missing values and repeats are `DomainError('bad-request')`.
 */
export function parseFlags(argv: readonly string[], allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new DomainError('bad-request', `unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!allowed.includes(name)) throw new DomainError('bad-request', `unknown flag "--${name}"`);
    const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value.startsWith('--')) {
      throw new DomainError('bad-request', `flag --${name} needs a value`);
    }
    if (name in out) throw new DomainError('bad-request', `flag --${name} given twice`);
    out[name] = value;
  }
  return out;
}

/** S3 settings: `--endpoint` wins over `AWS_ENDPOINT_URL_S3`; region from `AWS_REGION` (default us-east-1). */
export function s3Options(
  flags: Record<string, string>,
  env: CliEnv,
): { endpoint?: string; region?: string } {
  const endpoint = flags.endpoint ?? (env.AWS_ENDPOINT_URL_S3 || undefined);
  const region = env.AWS_REGION || undefined;
  return { ...(endpoint === undefined ? {} : { endpoint }), ...(region === undefined ? {} : { region }) };
}

/** `12.3 MiB`-style sizes. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Prints an error the way every command does and returns the exit code (2 = usage, 1 = failure). */
export function reportError(io: CliIo, e: unknown, usage?: string): number {
  const usageError = e instanceof DomainError && e.code === 'bad-request' && usage !== undefined;
  const message = e instanceof DomainError ? `${e.code}: ${e.message}` : String(e);
  io.stderr.write(`${message}\n${usageError ? usage : ''}`);
  return usageError ? 2 : 1;
}
