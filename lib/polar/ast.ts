/**
 * The checked, desugared policy: the contract between the parser/checker (lib/polar) and the
 * compiler/engine (lib/compiler, lib/engine). Everything here is plain data (JSON-serialisable).
 *
 * Conventions (Oso Cloud semantics, see shared/reference/polar.md §2):
 * - Values are typed: `{ type, id }` with `id` always a string. Primitive types are `String`,
 *   `Integer` (id is the decimal text of a signed 64-bit integer) and `Boolean` (`"true"`/`"false"`).
 * - `has_relation(subject, "rel", object)` is stored child first.
 * - Blocks are desugared into longhand rules; `or` is expanded so every rule body is one conjunction.
 * - A typed parameter `x: T` becomes a head variable plus an `isa` literal with the concrete types
 *   (subtypes through `extends` and the abstract `Actor`/`Resource` already expanded).
 * - When the policy has no `allow` rule, the default
 *   `allow(actor, action, resource) if has_permission(actor, action, resource);` is included.
 */

/** Position of a construct in its source file (1-based line and column). */
export interface Loc {
  file: string;
  line: number;
  column: number;
}

/** A ground typed value. */
export interface Value {
  type: string;
  id: string;
}

export type PrimitiveType = 'String' | 'Integer' | 'Boolean';
export const PRIMITIVE_TYPES: readonly PrimitiveType[] = ['String', 'Integer', 'Boolean'];

export type Term =
  /** A variable; names are unique within one rule. `_` never appears: each `_` becomes a fresh `_N`. */
  | { kind: 'var'; name: string }
  /** A constant: a string, integer, boolean or object literal `Type{"id"}`. */
  | { kind: 'value'; value: Value }
  /** `@current_unix_time`: an Integer, seconds since the epoch, read from the engine's clock. */
  | { kind: 'now' };

export type CmpOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface Atom {
  pred: string;
  args: Term[];
}

export type Literal =
  /** A call to a stored fact and/or a rule: same name and same arity. */
  | { kind: 'call'; atom: Atom; loc: Loc }
  /** `not p(...)`: no fact (or derived tuple) matches; all its variables are bound elsewhere. */
  | { kind: 'not'; atom: Atom; loc: Loc }
  /** `=` unifies; the others compare (Integers numerically, Strings by bytes). */
  | { kind: 'cmp'; op: CmpOp; left: Term; right: Term; loc: Loc }
  /** `x in [a, b, ...]`: `x` equals one of the listed terms. */
  | { kind: 'in'; left: Term; list: Term[]; loc: Loc }
  /** The variable's value has one of these concrete types (from `x: T`, `_: T` or `x matches T`). */
  | { kind: 'isa'; var: string; types: string[]; loc: Loc };

/** One longhand rule; the body is a conjunction (empty for a bodiless rule). */
export interface Rule {
  head: Atom;
  body: Literal[];
  loc: Loc;
}

/** A ground fact: stored, written in the policy, sent as context, or set up by a test. */
export interface Fact {
  predicate: string;
  args: Value[];
}

/** Oso Cloud's `policy_metadata` view of one block. */
export interface BlockMetadata {
  roles: string[];
  permissions: string[];
  /** relation name -> related type */
  relations: Record<string, string>;
}

export interface TypeDecl {
  name: string;
  kind: 'actor' | 'resource';
  /** The supertype named by `extends`, if any. */
  extends?: string;
  loc: Loc;
}

/**
 * A fact signature the policy accepts: predicate and, per argument, the allowed concrete types
 * (an empty list means any type).
 */
export interface FactSignature {
  predicate: string;
  argTypes: string[][];
}

/** One `assert`/`assert_not`, optionally with one typed variable and an `iff x in [...]` set. */
export interface Assertion {
  kind: 'assert' | 'assert_not';
  atom: Atom;
  /** The assertion's variable and its concrete types, when one argument is `x: T`. */
  variable?: { name: string; types: string[] };
  /** `iff x in [...]`: the exact set of values the variable must take (as values of its type). */
  iff?: Value[];
  loc: Loc;
}

export interface PolicyTest {
  name: string;
  /** Setup facts, fixtures already inlined. */
  facts: Fact[];
  assertions: Assertion[];
  loc: Loc;
}

/** A parsed, checked and desugared policy. */
export interface Policy {
  /** Source files in the order given. */
  sources: { filename: string; src: string }[];
  /** Declared actor and resource types. */
  types: TypeDecl[];
  /** concrete type name -> itself plus all types that extend it (transitively). */
  subtypes: Record<string, string[]>;
  /** Desugared rules, including the injected default `allow` when the policy has none. */
  rules: Rule[];
  /** Facts written in the policy itself. */
  facts: Fact[];
  /** Fact signatures the policy can use (inferred from rule bodies) plus `declare`d ones. */
  signatures: FactSignature[];
  /** Per-block metadata, keyed by type name; the `global` block under the key `global`. */
  metadata: Record<string, BlockMetadata>;
  tests: PolicyTest[];
}
