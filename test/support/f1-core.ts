/**
 * Fixture F1 (shared/reference/polar.md §1.6) desugared by hand into IR, independent of the parser:
 * the reference evaluator is checked on it before any parser exists, and it is the yardstick for
 * the desugarer's own output.
 */
import type { Fact, Policy, Rule, Value } from '../../lib/polar/ast.ts';
import { atom, buildPolicy, C, call, fact, isa, not, rule, S, str, V, val } from './ir-builder.ts';

const ACTOR = ['User'];

/** `"head" if "body"` inside block `type`, for roles (`has_role`) or permissions (`has_permission`). */
function implies(type: string, headPred: string, head: string, bodyPred: string, body: string): Rule {
  return rule(
    atom(headPred, V('actor'), S(head), V('resource')),
    isa('actor', ...ACTOR),
    isa('resource', type),
    call(bodyPred, V('actor'), S(body), V('resource')),
  );
}

/** `"head" if "body" on "rel"` inside block `type`, where `rel` points at `relType`. */
function on(type: string, headPred: string, head: string, body: string, rel: string, relType: string): Rule {
  return rule(
    atom(headPred, V('actor'), S(head), V('resource')),
    isa('actor', ...ACTOR),
    isa('resource', type),
    isa('related', relType),
    call('has_relation', V('resource'), S(rel), V('related')),
    call('has_role', V('actor'), S(body), V('related')),
  );
}

const R = 'has_role';
const P = 'has_permission';

export const F1_RULES: Rule[] = [
  rule(
    atom('allow', V('actor'), V('action'), V('resource')),
    not('is_banned', V('actor')),
    call(P, V('actor'), V('action'), V('resource')),
  ),
  implies('Organization', R, 'member', R, 'admin'),
  implies('Organization', P, 'read', R, 'member'),
  implies('Organization', P, 'create_repository', R, 'admin'),
  implies('Organization', P, 'manage_members', R, 'admin'),
  rule(
    atom(R, V('actor'), S('admin'), V('resource')),
    isa('actor', ...ACTOR),
    isa('resource', 'Organization'),
    call(R, V('actor'), S('admin')),
  ),
  implies('Repository', R, 'reader', R, 'writer'),
  implies('Repository', R, 'writer', R, 'admin'),
  on('Repository', R, 'reader', 'member', 'organization', 'Organization'),
  on('Repository', R, 'admin', 'admin', 'organization', 'Organization'),
  implies('Repository', P, 'read', R, 'reader'),
  implies('Repository', P, 'push', R, 'writer'),
  implies('Repository', P, 'delete', R, 'admin'),
  rule(
    atom(P, V('_0'), S('read'), V('repo')),
    isa('_0', ...ACTOR),
    isa('repo', 'Repository'),
    call('is_public', V('repo'), C('Boolean', 'true')),
  ),
  on('Issue', R, 'reader', 'reader', 'repository', 'Repository'),
  implies('Issue', P, 'read', R, 'reader'),
  implies('Issue', P, 'comment', R, 'reader'),
  rule(
    atom(P, V('actor'), S('close'), V('resource')),
    isa('actor', ...ACTOR),
    isa('resource', 'Issue'),
    call('has_relation', V('resource'), S('creator'), V('actor')),
  ),
  on('Issue', P, 'close', 'admin', 'repository', 'Repository'),
];

export const F1_POLICY: Policy = buildPolicy({
  actors: ['User'],
  resources: ['Organization', 'Repository', 'Issue'],
  rules: F1_RULES,
});

const u = (id: string) => val('User', id);
const org = (id: string) => val('Organization', id);
const repo = (id: string) => val('Repository', id);
const issue = (id: string) => val('Issue', id);
const T = val('Boolean', 'true');
const F = val('Boolean', 'false');

export const F1_FACTS: Fact[] = [
  fact(R, u('alice'), str('admin'), org('acme')),
  fact(R, u('bob'), str('member'), org('acme')),
  fact(R, u('carol'), str('writer'), repo('anvil')),
  fact(R, u('root'), str('admin')),
  fact(R, u('mallory'), str('admin'), org('acme')),
  fact('is_banned', u('mallory')),
  fact('has_relation', repo('anvil'), str('organization'), org('acme')),
  fact('has_relation', repo('rocket'), str('organization'), org('acme')),
  fact('has_relation', repo('site'), str('organization'), org('globex')),
  fact('is_public', repo('site'), T),
  fact('is_public', repo('rocket'), F),
  fact('has_relation', issue('1'), str('repository'), repo('anvil')),
  fact('has_relation', issue('1'), str('creator'), u('dave')),
  fact('has_relation', issue('2'), str('repository'), repo('site')),
];

/** [actor, action, resource, expected] from the F1 test block. */
export const F1_CHECKS: [Value, string, Value, boolean][] = [
  [u('alice'), 'delete', repo('anvil'), true],
  [u('alice'), 'read', repo('site'), true],
  [u('alice'), 'push', repo('site'), false],
  [u('bob'), 'read', repo('anvil'), true],
  [u('bob'), 'push', repo('anvil'), false],
  [u('carol'), 'push', repo('anvil'), true],
  [u('carol'), 'delete', repo('anvil'), false],
  [u('carol'), 'read', repo('rocket'), false],
  [u('dave'), 'close', issue('1'), true],
  [u('dave'), 'read', issue('1'), false],
  [u('bob'), 'read', issue('1'), true],
  [u('bob'), 'close', issue('1'), false],
  [u('alice'), 'close', issue('1'), true],
  [u('eve'), 'read', issue('2'), false],
  [u('root'), 'delete', repo('site'), true],
  [u('root'), 'manage_members', org('initech'), true],
  [u('mallory'), 'read', repo('anvil'), false],
  [u('mallory'), 'read', repo('site'), false],
];

/** [actor, resource, expected actions] from the F1 `iff` assertions. */
export const F1_ACTIONS: [Value, Value, string[]][] = [
  [u('alice'), repo('anvil'), ['delete', 'push', 'read']],
  [u('bob'), repo('anvil'), ['read']],
  [u('alice'), issue('1'), ['close', 'comment', 'read']],
  [u('dave'), issue('1'), ['close']],
  [u('root'), org('globex'), ['create_repository', 'manage_members', 'read']],
  [u('mallory'), org('acme'), []],
];

/** [actor, action, type, expected ids] from the comments under the F1 test block. */
export const F1_LISTS: [Value, string, string, string[]][] = [
  [u('bob'), 'read', 'Repository', ['anvil', 'rocket', 'site']],
  [u('carol'), 'push', 'Repository', ['anvil']],
  [u('alice'), 'close', 'Issue', ['1']],
  [u('mallory'), 'read', 'Repository', []],
  // Global admin reaches a Repository only through its organization, so no "*" here.
  [u('root'), 'delete', 'Repository', ['anvil', 'rocket', 'site']],
  [u('root'), 'read', 'Organization', ['*', 'acme', 'globex']],
];
