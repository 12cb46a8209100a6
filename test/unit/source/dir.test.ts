import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDomainError } from '../../../lib/errors.ts';
import { openSource, type SourcedFact } from '../../../lib/source/index.ts';

async function collect(facts: AsyncIterable<SourcedFact>): Promise<SourcedFact[]> {
  const out: SourcedFact[] = [];
  for await (const f of facts) out.push(f);
  return out;
}

const fact = (user: string) =>
  JSON.stringify({
    predicate: 'has_role',
    args: [
      { type: 'User', id: user },
      { type: 'String', id: 'admin' },
    ],
  });

describe('dir source', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dir-source-'));
    mkdirSync(join(dir, 'facts', 'more'), { recursive: true });
    writeFileSync(join(dir, 'b.polar'), 'actor User {}\n');
    writeFileSync(join(dir, 'a.polar'), 'resource Org {}\n');
    writeFileSync(join(dir, 'facts', 'one.jsonl'), `${fact('alice')}\n\n  \n${fact('bob')}`);
    writeFileSync(join(dir, 'facts', 'more', 'two.jsonl'), `${fact('carol')}\r\n`);
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every *.polar and every *.jsonl fact with its file:line, in path order', async () => {
    const src = openSource(`dir:${dir}`);
    expect(src.description).toBe(`dir:${dir}`);
    const data = await src.read();
    expect(data.policy.map((p) => p.filename)).toEqual([join(dir, 'a.polar'), join(dir, 'b.polar')]);
    const facts = await collect(data.facts);
    expect(facts.map((f) => [f.fact.args[0]!.id, f.origin.file.slice(dir.length), f.origin.line])).toEqual([
      ['carol', '/facts/more/two.jsonl', 1],
      ['alice', '/facts/one.jsonl', 1],
      ['bob', '/facts/one.jsonl', 4],
    ]);
    expect(data.bytesRead?.()).toBe(data.totalBytes);
  });

  it('names file:line of a malformed line', async () => {
    writeFileSync(join(dir, 'facts', 'one.jsonl'), `${fact('alice')}\n{"predicate": "x", "args": [}\n`);
    const err = await collect((await openSource(`dir:${dir}`).read()).facts).catch((e: unknown) => e);
    expect(isDomainError(err, 'source-invalid')).toBe(true);
    expect(String(err)).toContain(`${join(dir, 'facts', 'one.jsonl')}:2: malformed json`);
  });

  it.each([
    ['{"predicate":"","args":[{"type":"User","id":"a"}]}', /"predicate" must be a non-empty string/],
    ['{"predicate":"p","args":[]}', /"args" must be a non-empty array/],
    ['{"predicate":"p","args":[{"type":"User","id":7}]}', /args\[0\]\.id must be a string, got 7/],
    ['["p"]', /must be a json object/],
    ['{"predicate":"p","args":[{"type":"Integer","id":"4x"}]}', /args\[0\]: invalid Integer "4x"/],
    ['{"predicate":"p","args":[{"type":"Integer","id":"9223372036854775808"}]}', /Integer out of range/],
    ['{"predicate":"p","args":[{"type":"Boolean","id":"yes"}]}', /invalid Boolean "yes"/],
  ])('refuses %s', async (line, pattern) => {
    writeFileSync(join(dir, 'facts', 'one.jsonl'), line);
    const err = await collect((await openSource(`dir:${dir}`).read()).facts).catch((e: unknown) => e);
    expect(String(err)).toMatch(pattern);
    expect(String(err)).toContain('one.jsonl:1:');
  });

  it('reports a missing folder, a folder without policy, and an unknown scheme', async () => {
    const missing = await openSource(`dir:${join(dir, 'nope')}`)
      .read()
      .catch((e: unknown) => e);
    expect(isDomainError(missing, 'source-unavailable')).toBe(true);
    rmSync(join(dir, 'a.polar'));
    rmSync(join(dir, 'b.polar'));
    await expect(openSource(`dir:${dir}`).read()).rejects.toThrow(/has no \*\.polar file/);
    expect(() => openSource('constructor:x')).toThrow(/unsupported source url/);
    expect(() => openSource('dir:')).toThrow(/unsupported source url/);
  });
});
