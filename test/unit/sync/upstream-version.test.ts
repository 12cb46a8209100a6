import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Source, SourceData } from '../../../lib/source/index.ts';
import { openStore } from '../../../lib/store/index.ts';
import { runSync } from '../../../lib/sync/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sync-version-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A source as an Oso upstream reports it: one fact and the upstream's data version. */
function upstreamAt(version: string | undefined, member: string): Source {
  return {
    description: 'oso:http://upstream.test',
    async read(): Promise<SourceData> {
      async function* facts() {
        yield {
          fact: {
            predicate: 'has_role',
            args: [
              { type: 'User', id: member },
              { type: 'String', id: 'member' },
              { type: 'Org', id: 'o' },
            ],
          },
          origin: { file: 'upstream', line: 0 },
        };
      }
      return {
        policy: [
          {
            filename: 'p.polar',
            src: 'actor User {}\nresource Org { roles = ["member"]; permissions = ["read"]; "read" if "member"; }',
          },
        ],
        facts: facts(),
        ...(version === undefined ? {} : { upstreamVersion: version }),
      };
    },
  };
}

describe('runSync and the upstream data version', () => {
  const store = openStore(`file:${dir}`);

  it('records it, and never publishes data older than the current snapshot', async () => {
    const first = await runSync({ source: upstreamAt('10', 'a'), store });
    expect(first.published).toBe(true);
    await expect(runSync({ source: upstreamAt('9', 'b'), store })).rejects.toThrow(
      /upstream data version 9 is older than the current snapshot's 10/,
    );
    const pointer = await store.readPointer();
    expect(pointer !== null && pointer !== 'not-modified' && pointer.pointer.id).toBe(first.id);
    const newer = await runSync({ source: upstreamAt('11', 'b'), store });
    expect(newer.published).toBe(true);
    const after = await store.readPointer();
    expect(after !== null && after !== 'not-modified' && after.pointer.manifest.upstreamVersion).toBe('11');
  });

  it('does not compare versions it cannot read as counters', async () => {
    expect((await runSync({ source: upstreamAt(undefined, 'c'), store })).published).toBe(true);
  });
});
