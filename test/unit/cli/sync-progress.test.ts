import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../../lib/cli/flags.ts';
import { createProgressPrinter } from '../../../lib/cli/progress.ts';

function io(isTTY: boolean) {
  let err = '';
  return {
    stdout: { write: () => true },
    stderr: { write: (s: string) => (err += s), isTTY },
    err: () => err,
  };
}

describe('sync progress', () => {
  it('redraws one bar on a terminal', () => {
    const t = io(true);
    const p = createProgressPrinter(t);
    p.update({ phase: 'read', facts: 50_000, bytesRead: 50, totalBytes: 100, elapsedMs: 1000 });
    p.update({ phase: 'read', facts: 100_000, bytesRead: 100, totalBytes: 100, elapsedMs: 2000 });
    p.done();
    expect(t.err()).toContain('\r[###############...............]  50% read 50,000 facts, 50,000 facts/s');
    expect(t.err()).toContain('100% read 100,000 facts');
    expect(t.err().split('\n')).toHaveLength(2);
  });

  it('prints a line at most every interval otherwise, plus each phase change', () => {
    const t = io(false);
    const p = createProgressPrinter(t, 5000);
    for (let ms = 0; ms <= 12_000; ms += 1000) p.update({ phase: 'read', facts: ms * 10, elapsedMs: ms });
    p.update({ phase: 'build', facts: 120_000, elapsedMs: 12_500 });
    p.done();
    expect(t.err().trim().split('\n')).toEqual([
      'read 50,000 facts, 10,000 facts/s',
      'read 100,000 facts, 10,000 facts/s',
      'build 120,000 facts, 9,600 facts/s',
    ]);
  });
});

describe('parseFlags', () => {
  it('accepts --name value and --name=value, and refuses unknown, repeated or valueless flags', () => {
    expect(parseFlags(['--store', 'file:x', '--out=a.fbs'], ['store', 'out'])).toEqual({
      store: 'file:x',
      out: 'a.fbs',
    });
    expect(() => parseFlags(['--nope', 'x'], ['store'])).toThrow(/unknown flag "--nope"/);
    expect(() => parseFlags(['--store'], ['store'])).toThrow(/--store needs a value/);
    expect(() => parseFlags(['--store', 'a', '--store', 'b'], ['store'])).toThrow(/given twice/);
    expect(() => parseFlags(['stray'], ['store'])).toThrow(/unexpected argument "stray"/);
  });
});
