/**
 * Terse constructors for hand-built and generated policy IR (lib/polar/ast.ts), so tests read like
 * the longhand Polar they stand for.
 */
import type {
  Atom,
  BlockMetadata,
  CmpOp,
  Fact,
  FactSignature,
  Literal,
  Loc,
  Policy,
  Rule,
  Term,
  TypeDecl,
  Value,
} from '../../lib/polar/ast.ts';

const LOC: Loc = { file: 'generated.polar', line: 1, column: 1 };

/** A variable term. */
export const V = (name: string): Term => ({ kind: 'var', name });
/** A constant term. */
export const C = (type: string, id: string): Term => ({ kind: 'value', value: { type, id } });
/** A String constant term. */
export const S = (s: string): Term => C('String', s);
/** `@current_unix_time`. */
export const NOW: Term = { kind: 'now' };

export const val = (type: string, id: string): Value => ({ type, id });
export const str = (s: string): Value => val('String', s);

export const atom = (pred: string, ...args: Term[]): Atom => ({ pred, args });
export const call = (pred: string, ...args: Term[]): Literal => ({
  kind: 'call',
  atom: atom(pred, ...args),
  loc: LOC,
});
export const not = (pred: string, ...args: Term[]): Literal => ({
  kind: 'not',
  atom: atom(pred, ...args),
  loc: LOC,
});
export const isa = (name: string, ...types: string[]): Literal => ({
  kind: 'isa',
  var: name,
  types,
  loc: LOC,
});
export const cmp = (left: Term, op: CmpOp, right: Term): Literal => ({
  kind: 'cmp',
  op,
  left,
  right,
  loc: LOC,
});
export const inList = (left: Term, ...list: Term[]): Literal => ({ kind: 'in', left, list, loc: LOC });

/** `head if body`. */
export const rule = (head: Atom, ...body: Literal[]): Rule => ({ head, body, loc: LOC });
export const fact = (predicate: string, ...args: Value[]): Fact => ({ predicate, args });

/** The default `allow(actor, action, resource) if has_permission(actor, action, resource)`. */
export const DEFAULT_ALLOW: Rule = rule(
  atom('allow', V('actor'), V('action'), V('resource')),
  call('has_permission', V('actor'), V('action'), V('resource')),
);

/** Assembles a policy; `extends` maps a subtype to its supertype (default: none). */
export function buildPolicy(spec: {
  actors: string[];
  resources: string[];
  rules: Rule[];
  extends?: Record<string, string>;
  facts?: Fact[];
  signatures?: FactSignature[];
  metadata?: Record<string, BlockMetadata>;
}): Policy {
  const sup = spec.extends ?? {};
  const decl = (name: string, kind: 'actor' | 'resource'): TypeDecl =>
    sup[name] ? { name, kind, extends: sup[name], loc: LOC } : { name, kind, loc: LOC };
  const types: TypeDecl[] = [
    ...spec.actors.map((name) => decl(name, 'actor')),
    ...spec.resources.map((name) => decl(name, 'resource')),
  ];
  // A type's subtypes: itself plus every type whose extends-chain reaches it.
  const chain = (t: string): string[] => (sup[t] ? [t, ...chain(sup[t])] : [t]);
  const rules = spec.rules.some((r) => r.head.pred === 'allow') ? spec.rules : [...spec.rules, DEFAULT_ALLOW];
  return {
    sources: [],
    types,
    subtypes: Object.fromEntries(
      types.map((t) => [t.name, types.filter((u) => chain(u.name).includes(t.name)).map((u) => u.name)]),
    ),
    rules,
    facts: spec.facts ?? [],
    signatures: spec.signatures ?? [],
    metadata: spec.metadata ?? {},
    tests: [],
  };
}
