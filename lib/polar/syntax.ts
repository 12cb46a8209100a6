// The surface syntax tree produced by the parser, before checking and desugaring.
import type { CmpOp, Loc } from './ast.ts';

/** A type name as written (`User`, `Actor`, `String`, `a::B`), with where it was written. */
export interface TypeRef {
  name: string;
  loc: Loc;
}

export type SynTerm =
  /** A variable, including the anonymous `_`. */
  | { kind: 'var'; name: string; loc: Loc }
  | { kind: 'string'; value: string; loc: Loc }
  /** A signed 64-bit integer as normalised decimal text. */
  | { kind: 'integer'; value: string; loc: Loc }
  | { kind: 'boolean'; value: boolean; loc: Loc }
  /** `Type{"id"}`; for primitives (`Integer{5}`) the id is the literal's text. */
  | { kind: 'object'; type: TypeRef; id: string; loc: Loc }
  | { kind: 'now'; loc: Loc }
  | { kind: 'list'; items: SynTerm[]; loc: Loc };

export type SynExpr =
  | { kind: 'or'; items: SynExpr[]; loc: Loc }
  | { kind: 'and'; items: SynExpr[]; loc: Loc }
  | { kind: 'not'; expr: SynExpr; loc: Loc }
  | { kind: 'call'; name: string; args: SynTerm[]; loc: Loc }
  | { kind: 'cmp'; op: CmpOp; left: SynTerm; right: SynTerm; loc: Loc }
  | { kind: 'in'; left: SynTerm; list: SynTerm & { kind: 'list' }; loc: Loc }
  | { kind: 'matches'; left: SynTerm; type: TypeRef; loc: Loc }
  /** A bare `true` / `false` condition. */
  | { kind: 'const'; value: boolean; loc: Loc };

/** A rule parameter: a term, optionally typed (`x: T`, `_: T`). */
export interface Param {
  term: SynTerm;
  type?: TypeRef;
}

/** A longhand rule or a fact (a rule without a body). */
export interface SynRule {
  kind: 'rule';
  name: string;
  params: Param[];
  body?: SynExpr;
  loc: Loc;
}

export interface Named {
  value: string;
  loc: Loc;
}

export type ShorthandBody =
  /** `"y"`, `global "y"`, `"y" on "rel"`. */
  | { kind: 'implied'; name: Named; global: boolean; on?: Named }
  /** `role on "rel"` (the head is the same identifier). */
  | { kind: 'var-on'; name: Named; on: Named }
  /** Any condition; `actor` and `resource` are the head variables. */
  | { kind: 'expr'; expr: SynExpr };

export type BlockItem =
  | { kind: 'decl'; what: 'roles' | 'permissions'; names: Named[]; loc: Loc }
  | { kind: 'relations'; relations: { name: Named; type: TypeRef }[]; loc: Loc }
  | {
      kind: 'shorthand';
      head: { kind: 'string' | 'ident'; value: string; loc: Loc };
      body: ShorthandBody;
      loc: Loc;
    };

export interface SynBlock {
  kind: 'block';
  blockKind: 'actor' | 'resource';
  name: TypeRef;
  extends?: TypeRef;
  items: BlockItem[];
  loc: Loc;
}

export interface SynGlobal {
  kind: 'global';
  items: BlockItem[];
  loc: Loc;
}

export interface SynDeclare {
  kind: 'declare';
  name: string;
  types: TypeRef[];
  loc: Loc;
}

export interface SynAssertion {
  kind: 'assert' | 'assert_not';
  name: string;
  params: Param[];
  iff?: { var: Named; negated: boolean; list: SynTerm & { kind: 'list' } };
  loc: Loc;
}

export type SetupItem = SynRule | { kind: 'use-fixture'; name: Named; loc: Loc };

export interface SynTest {
  kind: 'test';
  name: Named;
  setup: SetupItem[];
  assertions: SynAssertion[];
  loc: Loc;
}

export interface SynFixture {
  kind: 'fixture';
  name: Named;
  facts: SynRule[];
  loc: Loc;
}

export type SynItem = SynBlock | SynGlobal | SynRule | SynDeclare | SynTest | SynFixture;

/** One parsed file. */
export interface SynFile {
  filename: string;
  items: SynItem[];
}
