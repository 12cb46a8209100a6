import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDataset, MIN_FACTS, writeDatasetDir } from '../../bench/gen/github.ts';
import { buildDatabase, createEngine, loadSqlJs } from '../../lib/engine/index.ts';
import { checkFact, type Fact, parsePolicy } from '../../lib/polar/index.ts';

const digest = (facts: Iterable<Fact>): string => {
  const h = createHash('sha256');
  for (const f of facts) h.update(`${JSON.stringify(f)}\n`);
  return h.digest('hex');
};

describe('bench/gen/github generateDataset', () => {
  it('is deterministic in its seed, and re-iterable', () => {
    const a = generateDataset({ facts: 5000, seed: 7 });
    const b = generateDataset({ facts: 5000, seed: 7 });
    const c = generateDataset({ facts: 5000, seed: 8 });
    expect(digest(a.facts)).toBe(digest(b.facts));
    expect(digest(a.facts)).toBe(digest(a.facts));
    expect(digest(a.facts)).not.toBe(digest(c.facts));
    expect(a.sampleChecks(50, 3)).toEqual(b.sampleChecks(50, 3));
    expect(a.sampleChecks(50, 3)).not.toEqual(a.sampleChecks(50, 4));
  });

  it.each([MIN_FACTS, 10_000, 123_457])('generates %i distinct facts (within 1%) matching its stats', (n) => {
    const ds = generateDataset({ facts: n });
    const seen = new Set<string>();
    for (const f of ds.facts) seen.add(JSON.stringify(f));
    expect(Math.abs(seen.size - n)).toBeLessThanOrEqual(n / 100);
    expect(ds.stats.facts).toBe(seen.size);
    expect(Object.values(ds.stats.byKind).reduce((x, y) => x + y, 0)).toBe(ds.stats.facts);
  });

  it('rejects a fact count below the minimum', () => {
    expect(() => generateDataset({ facts: MIN_FACTS - 1 })).toThrow(/facts must be an integer/);
  });

  it('produces well-formed facts that the policy accepts', () => {
    const ds = generateDataset({ facts: 5000, seed: 3 });
    const policy = parsePolicy([{ filename: 'github.polar', src: ds.policy }]);
    const predicates = new Set<string>();
    const shapes = new Set<string>();
    for (const f of ds.facts) {
      expect(f.args.length).toBeGreaterThan(0);
      for (const v of f.args) {
        expect(typeof v.type).toBe('string');
        expect(typeof v.id).toBe('string');
        expect(v.id.length).toBeGreaterThan(0);
      }
      const shape = `${f.predicate}(${f.args.map((v) => v.type).join(',')})`;
      if (!shapes.has(shape)) expect(checkFact(policy, f), shape).toBeNull();
      shapes.add(shape);
      predicates.add(`${f.predicate}/${f.args.length}`);
    }
    expect([...predicates].sort()).toEqual([
      'has_group/2',
      'has_relation/3',
      'has_role/2',
      'has_role/3',
      'is_banned/1',
      'is_public/2',
    ]);
  });

  it('answers its sample checks as constructed (sql.js engine)', async () => {
    const ds = generateDataset({ facts: MIN_FACTS, seed: 11 });
    const policy = parsePolicy([{ filename: 'github.polar', src: ds.policy }]);
    const sql = await loadSqlJs();
    const engine = createEngine(sql, buildDatabase(sql, policy, ds.facts), policy);
    try {
      const known = ds.sampleChecks(60, 5).filter((c) => c.expected !== undefined);
      expect(known.length).toBeGreaterThanOrEqual(40);
      expect(known.some((c) => c.expected === false)).toBe(true);
      for (const c of known) {
        const got = engine.authorize({ actor: c.actor, action: c.action, resource: c.resource });
        expect(got, `${c.actor.id} ${c.action} ${c.resource.type}:${c.resource.id}`).toBe(c.expected);
      }
    } finally {
      engine.close();
    }
  });

  it('writes the dir: source format, one wire fact per line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gen-'));
    try {
      const stats = await writeDatasetDir(dir, { facts: 3000, factsPerFile: 1000 });
      expect(readFileSync(join(dir, 'policy.polar'), 'utf8')).toContain('resource Repository');
      const files = readdirSync(join(dir, 'facts')).sort();
      expect(files).toEqual(['0000.jsonl', '0001.jsonl', '0002.jsonl']);
      const lines = files.flatMap((f) =>
        readFileSync(join(dir, 'facts', f), 'utf8')
          .trim()
          .split('\n'),
      );
      expect(lines).toHaveLength(stats.facts);
      expect(digest(lines.map((l) => JSON.parse(l) as Fact))).toBe(
        digest(generateDataset({ facts: 3000 }).facts),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
