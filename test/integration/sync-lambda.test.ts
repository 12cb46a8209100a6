import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '../../lib/store/index.ts';
import { writeExampleSource } from '../support/sync-fixture.ts';

describe('scheduled sync Lambda handler', () => {
  let dir: string;
  let handler: () => Promise<{ published: boolean; id: string }>;
  const saved = { ...process.env };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-lambda-'));
    writeExampleSource(join(dir, 'src'));
    process.env.FALLBACK_SOURCE = `dir:${join(dir, 'src')}`;
    process.env.FALLBACK_STORE = `file:${join(dir, 'store')}`;
    process.env.FALLBACK_KEEP_SNAPSHOTS = '3';
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'OsoFallbackTest';
    process.env.POWERTOOLS_SERVICE_NAME = 'oso-fallback-sync';
    // Powertools writes JSON logs and EMF lines to stdout; keep the test output readable.
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    ({ handler } = await import('../../functions/sync-lambda.ts'));
  });
  afterAll(() => {
    vi.restoreAllMocks();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes, then reports unchanged, then throws on bad data without moving the pointer', async () => {
    const first = await handler();
    expect(first.published).toBe(true);
    expect((await handler()).published).toBe(false);
    appendFileSync(join(dir, 'src', 'facts', 'roles.jsonl'), '{oops\n');
    await expect(handler()).rejects.toThrow(/roles\.jsonl:21: malformed json/);
    const p = await openStore(`file:${join(dir, 'store')}`).readPointer();
    expect(p !== null && p !== 'not-modified' && p.pointer.id).toBe(first.id);
  });
});
