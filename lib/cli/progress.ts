import type { SyncProgress } from '../sync/index.ts';
import type { CliIo } from './flags.ts';

/**
 * Renders sync progress: a redrawn bar on a terminal, otherwise one line at most every `everyMs`
 * (default 5,000 ms) so logs stay readable.
 */
export function createProgressPrinter(
  io: CliIo,
  everyMs = 5_000,
): { update(p: SyncProgress): void; done(): void } {
  const tty = io.stderr.isTTY === true;
  let lastLine = 0;
  let drawn = false;
  return {
    update(p) {
      const rate = p.elapsedMs > 0 ? Math.round((p.facts / p.elapsedMs) * 1000) : 0;
      const pct =
        p.totalBytes !== undefined && p.totalBytes > 0 && p.bytesRead !== undefined
          ? Math.min(1, p.bytesRead / p.totalBytes)
          : undefined;
      const text = `${p.phase} ${p.facts.toLocaleString('en-US')} facts, ${rate.toLocaleString('en-US')} facts/s`;
      if (tty) {
        const width = 30;
        const bar =
          pct === undefined
            ? ''
            : `[${'#'.repeat(Math.round(pct * width)).padEnd(width, '.')}] ${(pct * 100).toFixed(0).padStart(3)}% `;
        io.stderr.write(`\r${bar}${text}\u001b[K`);
        drawn = true;
      } else if (p.elapsedMs - lastLine >= everyMs || p.phase !== 'read') {
        lastLine = p.elapsedMs;
        io.stderr.write(`${pct === undefined ? '' : `${(pct * 100).toFixed(0)}% `}${text}\n`);
      }
    },
    done() {
      if (drawn) io.stderr.write('\n');
      drawn = false;
    },
  };
}
