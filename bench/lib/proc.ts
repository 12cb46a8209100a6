// Child processes for the bench: run a part in a fresh process (clean RSS), free ports, /proc RSS.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/** Repository root. */
export const ROOT = resolve(import.meta.dirname, '..', '..');
/** ESM bundles need `require` for the CJS dependencies esbuild inlines. */
const BANNER =
  "import{createRequire as __cjsRequire}from'node:module';const require=__cjsRequire(import.meta.url);";

/** Bundles `entry` (relative to the root) as the deployed Lambda/container bundle is built; returns the file. */
export async function bundle(entry: string, outfile: string): Promise<string> {
  await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    mainFields: ['module', 'main'],
    minify: true,
    banner: { js: BANNER },
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/** Current and peak RSS of a process in MiB, from /proc. */
export function procRssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Polls `check` every 50 ms until it is true; throws after `timeoutMs` (default 300 s). */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Prefix of a part's result line on stdout. */
export const RESULT_MARK = '@@RESULT ';

/** Prints a part's result for `runPart` (the last marked line wins). */
export function emitResult(value: unknown): void {
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(value)}\n`);
}

/**
 * Runs `bench/parts/<part>.ts` in a fresh `node --expose-gc --import tsx` process and returns the JSON
 * it emitted with `emitResult`. Its stderr passes through; a non-zero exit or timeout (default 30 min) rejects.
 */
export function runPart<T>(part: string, args: string[], timeoutMs = 30 * 60_000): Promise<T> {
  return new Promise((ok, fail) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--max-old-space-size=8192',
        '--import',
        'tsx',
        join(ROOT, 'bench', 'parts', `${part}.ts`),
        ...args,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith(RESULT_MARK));
      if (code === 0 && line !== undefined) ok(JSON.parse(line.slice(RESULT_MARK.length)) as T);
      else
        fail(new Error(`bench part ${part} ${args.join(' ')} exited ${code ?? signal}: ${out.slice(-2000)}`));
    });
  });
}
