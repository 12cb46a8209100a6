// CI's short soak: `npm run soak -- --seconds 24 --facts 100000 --swap-seconds 3` in its own process (the
// full run is `npm run soak -- --seconds 60` on 1M facts; 100k keeps CI's one-off snapshot build to seconds).
// Zero failed requests, at least five swaps, one open database after each, and RSS growth under 10 % from the
// earlier swaps to the later ones (bench/soak.ts says why the first swap is a warm-up).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

describe('soak (24 s, 100k facts, a swap every 3 s)', () => {
  it('serves constant loopback load across swaps with zero failures and no memory growth', async () => {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((ok) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          join(ROOT, 'bench', 'soak.ts'),
          '--seconds',
          '24',
          '--facts',
          '100000',
          '--swap-seconds',
          '3',
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        text += d.toString();
      });
      child.on('exit', (c) => ok({ code: c, out: text }));
    });
    const line = out.split('\n').find((l) => l.startsWith('@@SOAK '));
    expect(line, out.slice(-3000)).toBeDefined();
    const result = JSON.parse(line!.slice('@@SOAK '.length)) as {
      requests: number;
      failed: number;
      swaps: number;
      rssGrowthPct: number;
      openDbsMax: number;
      p99Ms: number;
    };
    expect(result.failed).toBe(0);
    expect(result.requests).toBeGreaterThan(0);
    expect(result.swaps).toBeGreaterThanOrEqual(5);
    expect(result.openDbsMax).toBe(1);
    expect(result.rssGrowthPct).toBeLessThan(10);
    expect(out).toMatch(/p99 \d+(\.\d+)? ms/);
    expect(code, out.slice(-3000)).toBe(0);
  }, 180_000);
});
