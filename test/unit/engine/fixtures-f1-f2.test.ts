import { readFileSync } from 'node:fs';
import type { SqlJsStatic } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, createEngine, loadSqlJs, runPolicyTests } from '../../../lib/engine/index.ts';
import { type Fact, type Policy, parsePolicy } from '../../../lib/polar/index.ts';

const load = (name: string): Policy =>
  parsePolicy([{ filename: name, src: readFileSync(`test/fixtures/policies/${name}`, 'utf8') }]);

let sql: SqlJsStatic;
beforeAll(async () => {
  sql = await loadSqlJs();
});

function engineFor(policy: Policy) {
  const facts: Fact[] = policy.tests[0]!.facts;
  return createEngine(sql, buildDatabase(sql, policy, facts), policy);
}

const U = (id: string) => ({ type: 'User', id });

describe('F1 (polar.md §1.6)', () => {
  it('passes every assert of its test block', () => {
    const r = runPolicyTests(sql, load('f1-github.polar'));
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(24);
  });

  it('lists as expected', () => {
    const e = engineFor(load('f1-github.polar'));
    const list = (who: string, action: string, type: string) =>
      e.list({ actor: U(who), action, resourceType: type }).results.sort();
    expect(list('bob', 'read', 'Repository')).toEqual(['anvil', 'rocket', 'site']);
    expect(list('carol', 'push', 'Repository')).toEqual(['anvil']);
    expect(list('alice', 'close', 'Issue')).toEqual(['1']);
    expect(list('mallory', 'read', 'Repository')).toEqual([]);
    expect(list('root', 'delete', 'Repository')).toEqual(['anvil', 'rocket', 'site']);
    e.close();
  });

  it('lets the global admin manage an organization nobody mentions (wildcard rule, unknown id)', () => {
    const e = engineFor(load('f1-github.polar'));
    const org = { type: 'Organization', id: 'initech' };
    expect(e.authorize({ actor: U('root'), action: 'manage_members', resource: org })).toBe(true);
    expect(e.authorize({ actor: U('nobody'), action: 'manage_members', resource: org })).toBe(false);
    expect(e.actions({ actor: U('root'), resource: org })).toEqual([
      'create_repository',
      'manage_members',
      'read',
    ]);
    // root's admin role covers every Organization: list answers "*"
    expect(e.list({ actor: U('root'), action: 'read', resourceType: 'Organization' }).results).toContain('*');
    e.close();
  });
});

describe('F2 (polar.md §1.6)', () => {
  it('passes every assert of its test block, the cyclic one included', () => {
    const r = runPolicyTests(sql, load('f2-folders.polar'));
    expect(r.failures).toEqual([]);
    expect(r.passed).toBe(10);
  });

  it('lists as expected', () => {
    const e = engineFor(load('f2-folders.polar'));
    expect(e.list({ actor: U('alice'), action: 'read', resourceType: 'File' }).results.sort()).toEqual([
      'f1',
    ]);
    expect(e.list({ actor: U('bob'), action: 'write', resourceType: 'Folder' }).results.sort()).toEqual([
      'deep',
      'lib',
      'src',
    ]);
    // a role inside the c1 <-> c2 cycle reaches both folders and the file, and terminates
    e.close();
  });

  it('terminates and is right on the cycle when a role sits inside it', () => {
    const p = load('f2-folders.polar');
    const facts = [
      ...p.tests[0]!.facts,
      {
        predicate: 'has_role',
        args: [U('zoe'), { type: 'String', id: 'reader' }, { type: 'Folder', id: 'c2' }],
      },
    ];
    const e = createEngine(sql, buildDatabase(sql, p, facts), p);
    expect(e.authorize({ actor: U('zoe'), action: 'read', resource: { type: 'File', id: 'f3' } })).toBe(true);
    expect(e.list({ actor: U('zoe'), action: 'read', resourceType: 'Folder' }).results.sort()).toEqual([
      'c1',
      'c2',
    ]);
    expect(e.authorize({ actor: U('zoe'), action: 'write', resource: { type: 'File', id: 'f3' } })).toBe(
      false,
    );
    e.close();
  });
});
