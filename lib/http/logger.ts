import type { Logger } from './types.ts';

type Sink = (line: string) => void;

/**
 * A structured logger writing one JSON object per line: info to `out`, warnings and errors to `err`.
 * Defaults: `process.stdout` and `process.stderr`.
 */
export function createJsonLogger(
  base: Record<string, unknown> = {},
  out: Sink = (l) => process.stdout.write(l),
  err: Sink = (l) => process.stderr.write(l),
): Logger {
  const write = (sink: Sink, level: string, message: string, fields?: Record<string, unknown>) =>
    sink(`${JSON.stringify({ level, time: new Date().toISOString(), message, ...base, ...fields })}\n`);
  return {
    info: (m, f) => write(out, 'info', m, f),
    warn: (m, f) => write(err, 'warn', m, f),
    error: (m, f) => write(err, 'error', m, f),
  };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
