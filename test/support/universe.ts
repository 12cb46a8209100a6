/**
 * The small universe the generated policies and facts live in: types (with one `extends`), ids
 * (shared across types, with awkward characters), roles, permissions, relations, the stored
 * predicates' signatures, and the queries the differential tests ask.
 */
import type { FactSignature, Value } from '../../lib/polar/ast.ts';
import { val } from './ir-builder.ts';

/** `@current_unix_time` for generated cases (seconds). */
export const NOW_SECONDS = 1000;
/** A clock past 2^53, where a double can no longer tell neighbouring seconds apart. */
export const BIG_NOW = 2n ** 53n + 1n;
export const ACTOR_TYPES = ['User'];
export const RESOURCE_TYPES = ['Org', 'Repo', 'Folder', 'Group', 'Doc', 'Sheet'];
/** `resource Sheet extends Doc`: a rule on `x: Doc` also applies to Sheets (isa [Doc, Sheet]). */
export const EXTENDS: Record<string, string> = { Sheet: 'Doc' };
/** Types `list` is asked about. */
export const LIST_TYPES = ['Org', 'Repo', 'Folder', 'Doc', 'Sheet'];
/** Resource types that carry roles and permissions. */
export const ROLE_TYPES = ['Org', 'Repo', 'Folder'];
/** Ranked: in acyclic role hierarchies a role only implies roles to its right. */
export const ROLES = ['admin', 'member', 'reader'];
export const PERMS = ['read', 'write', 'delete'];
/** Ids repeat across types (Org{"1"} is not Repo{"1"}) and include quotes, LIKE and unicode characters. */
export const IDS: Record<string, string[]> = {
  User: ['1', '2', "o'neil"],
  Org: ['1', '2'],
  Repo: ['1', '2', 'r%_'],
  Folder: ['1', '2', '3', 'f\u00e9 \u{1f4c1}'],
  Group: ['1', '2', '3'],
  Doc: ['1', '2'],
  Sheet: ['1', '3'],
};
/** [child type, relation, parent type]; stored `has_relation(child, rel, parent)`. */
export const RELATIONS: [string, string, string][] = [
  ['Repo', 'org', 'Org'],
  ['Folder', 'repo', 'Repo'],
  ['Folder', 'parent', 'Folder'],
  ['Org', 'parent', 'Org'],
  ['Repo', 'owner', 'User'],
  ['Doc', 'parent', 'Folder'],
  ['Sheet', 'parent', 'Folder'],
];

/** Relations to a non-actor parent, for `on` inheritance (Doc/Sheet have their own shape). */
export const INHERITED = RELATIONS.filter(([c, , p]) => p !== 'User' && c !== 'Doc' && c !== 'Sheet');
export const objects = (type: string): Value[] => IDS[type]!.map((id) => val(type, id));
export const P = 'has_permission';
export const R = 'has_role';
export type Kind = typeof P | typeof R;

/** Signatures of every stored predicate the generated policies and facts use. */
export const SIGNATURES: FactSignature[] = [
  { predicate: R, argTypes: [['User', 'Group'], ['String'], [...ROLE_TYPES, 'Doc', 'Sheet']] },
  { predicate: R, argTypes: [['User'], ['String']] },
  {
    predicate: 'has_relation',
    argTypes: [['Repo', 'Folder', 'Org', 'Doc', 'Sheet'], ['String'], ['Org', 'Repo', 'Folder', 'User']],
  },
  { predicate: 'has_group', argTypes: [['User', 'Group'], ['Group']] },
  { predicate: 'is_banned', argTypes: [['User']] },
  { predicate: 'is_locked', argTypes: [ROLE_TYPES] },
  { predicate: 'is_public', argTypes: [ROLE_TYPES] },
  { predicate: 'is_public', argTypes: [ROLE_TYPES, ['Boolean']] },
  { predicate: 'quota', argTypes: [['Org'], ['Integer']] },
  { predicate: 'used', argTypes: [['Org'], ['Integer']] },
  { predicate: 'is_super', argTypes: [['User']] },
  { predicate: 'grant', argTypes: [['User'], ROLE_TYPES, ['Integer']] },
];

/** The query universe: every generated id plus one unmentioned id per type. */
export const QUERY_ACTORS: Value[] = [...objects('User'), val('User', 'ghost')];
export const QUERY_RESOURCES: Value[] = [
  ...ROLE_TYPES.flatMap(objects),
  ...ROLE_TYPES.map((t) => val(t, 'ghost')),
  val('Doc', '1'),
  val('Sheet', '1'),
  val('Doc', 'ghost'),
  val('User', '1'),
  val('User', 'ghost'),
];
export const QUERY_ACTIONS: string[] = [...PERMS, 'admin', 'nope'];
