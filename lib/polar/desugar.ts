// Blocks and longhand rules to the IR: one Rule per conjunction, Cloud argument order (polar.md §2.2).
import type { Fact, Literal, Loc, Rule, Term } from './ast.ts';
import type { Report } from './checker.ts';
import { SHORTHAND_VARIABLES } from './checker-shorthand.ts';
import { RuleCtx, toDnf, toValue } from './desugar-body.ts';
import type { Env, NameKind } from './env.ts';
import { checkSafety } from './safety.ts';
import type { BlockItem, SynFile, SynRule } from './syntax.ts';

const v = (name: string): Term => ({ kind: 'var', name });
const str = (id: string): Term => ({ kind: 'value', value: { type: 'String', id } });
const PRED: Record<NameKind, string> = {
  role: 'has_role',
  permission: 'has_permission',
  relation: 'has_relation',
};

/** `has_<kind>(actor, "name"[, target])`, or `has_relation(target, "name", actor)` for a relation. */
function grant(kind: NameKind, name: string, target: string | undefined, loc: Loc): Literal {
  if (kind === 'relation')
    return { kind: 'call', atom: { pred: 'has_relation', args: [v(target!), str(name), v('actor')] }, loc };
  const args = [v('actor'), str(name), ...(target === undefined ? [] : [v(target)])];
  return { kind: 'call', atom: { pred: PRED[kind], args }, loc };
}

/** True for a bodiless rule whose arguments are all values: it is stored as a fact. */
export function isFact(r: SynRule): boolean {
  return r.body === undefined && r.params.every((p) => !p.type && toValue(p.term) !== undefined);
}

/** Desugars every block and rule; safety problems are reported through `report`. */
export function desugarRules(files: SynFile[], env: Env, report: Report): { rules: Rule[]; facts: Fact[] } {
  const rules: Rule[] = [];
  const facts: Fact[] = [];
  for (const f of files) {
    for (const it of f.items) {
      if (it.kind === 'block')
        for (const b of it.items) rules.push(...shorthand(env, it.name.name, b, report));
      else if (it.kind === 'global')
        for (const b of it.items) rules.push(...shorthand(env, 'global', b, report));
      else if (it.kind === 'rule') {
        if (isFact(it)) facts.push({ predicate: it.name, args: it.params.map((p) => toValue(p.term)!) });
        else rules.push(...longhand(env, it, report));
      }
    }
  }
  if (!rules.some((r) => r.head.pred === 'allow') && !facts.some((x) => x.predicate === 'allow')) {
    const loc: Loc = { file: files[0]?.filename ?? '<policy>', line: 1, column: 1 };
    rules.push({
      head: { pred: 'allow', args: [v('actor'), v('action'), v('resource')] },
      body: [
        {
          kind: 'call',
          atom: { pred: 'has_permission', args: [v('actor'), v('action'), v('resource')] },
          loc,
        },
      ],
      loc,
    });
  }
  return { rules, facts };
}

function longhand(env: Env, r: SynRule, report: Report): Rule[] {
  const ctx = new RuleCtx(env, report);
  for (const p of r.params) ctx.reserve(p.term);
  if (r.body) ctx.reserve(r.body);
  const head: Term[] = [];
  const isas: Literal[] = [];
  const seen = new Set<string>();
  for (const p of r.params) {
    const t = ctx.term(p.term);
    head.push(t);
    if (p.type && t.kind === 'var') {
      const key = `${t.name}:${p.type.name}`;
      if (!seen.has(key))
        isas.push({ kind: 'isa', var: t.name, types: env.expand(p.type.name) ?? [], loc: p.type.loc });
      seen.add(key);
    }
  }
  const conjs = r.body ? toDnf(r.body, ctx) : [[]];
  return conjs.map((conj) => {
    // Each rule owns its data: consumers may rewrite rules without affecting siblings.
    const rule: Rule = structuredClone({
      head: { pred: r.name, args: head },
      body: [...isas, ...conj],
      loc: r.loc,
    });
    checkSafety(rule, ctx, report, r.name);
    return rule;
  });
}

function shorthand(env: Env, block: string, item: BlockItem, report: Report): Rule[] {
  if (item.kind !== 'shorthand') return [];
  const { head, body, loc } = item;
  const isGlobal = block === 'global';
  const kind = head.kind === 'ident' ? SHORTHAND_VARIABLES[head.value] : env.lookup(block, head.value);
  if (kind === undefined || kind === 'relation') return [];
  const ctx = new RuleCtx(env, report, ['actor', 'resource', head.kind === 'ident' ? head.value : 'actor']);
  if (body.kind === 'expr') ctx.reserve(body.expr);
  const headArgs: Term[] = [v('actor'), head.kind === 'ident' ? v(head.value) : str(head.value)];
  const isas: Literal[] = [{ kind: 'isa', var: 'actor', types: env.expand('Actor') ?? [], loc }];
  if (head.kind === 'ident') isas.push({ kind: 'isa', var: head.value, types: ['String'], loc });
  if (!isGlobal) {
    headArgs.push(v('resource'));
    isas.push({ kind: 'isa', var: 'resource', types: env.subtypes[block] ?? [], loc });
  }
  const target = isGlobal ? undefined : 'resource';
  const make = (conj: Literal[]): Rule =>
    structuredClone({ head: { pred: PRED[kind], args: headArgs }, body: [...isas, ...conj], loc });
  switch (body.kind) {
    case 'implied': {
      const name = body.name.value;
      if (body.global) {
        const k = env.lookup('global', name);
        return k === undefined || k === 'relation' ? [] : [make([grant(k, name, undefined, body.name.loc)])];
      }
      if (!body.on) {
        const k = env.lookup(block, name);
        if (k === undefined || (k === 'relation' && isGlobal)) return [];
        return [make([grant(k, name, target, body.name.loc)])];
      }
      if (isGlobal) return [];
      const related = env.relationType(block, body.on.value);
      const k = related === undefined ? undefined : env.lookup(related, name);
      if (related === undefined || k === undefined) return [];
      return [make(through(env, ctx, related, body.on.value, body.on.loc, grant, k, name, body.name.loc))];
    }
    case 'var-on': {
      const related = env.relationType(block, body.on.value);
      if (isGlobal || related === undefined || head.kind !== 'ident' || head.value !== body.name.value)
        return [];
      const varName = head.value;
      const inherit = (_k: NameKind, _n: string, t: string | undefined, l: Loc): Literal => ({
        kind: 'call',
        atom: { pred: PRED[kind], args: [v('actor'), v(varName), v(t!)] },
        loc: l,
      });
      return [
        make(through(env, ctx, related, body.on.value, body.on.loc, inherit, kind, varName, body.name.loc)),
      ];
    }
    case 'expr': {
      return toDnf(body.expr, ctx).map((conj) => {
        const rule = make(conj);
        checkSafety(rule, ctx, report, `the shorthand rule ${JSON.stringify(head.value)}`);
        return rule;
      });
    }
  }
}

/** `t matches T and has_relation(resource, "rel", t) and <grant on t>`. */
function through(
  env: Env,
  ctx: RuleCtx,
  related: string,
  rel: string,
  relLoc: Loc,
  mk: typeof grant,
  kind: NameKind,
  name: string,
  nameLoc: Loc,
): Literal[] {
  const t = ctx.fresh(['actor', 'resource', 'role', 'permission'].includes(rel) ? `${rel}_related` : rel);
  return [
    { kind: 'isa', var: t, types: env.subtypes[related] ?? [], loc: relLoc },
    { kind: 'call', atom: { pred: 'has_relation', args: [v('resource'), str(rel), v(t)] }, loc: relLoc },
    mk(kind, name, t, nameLoc),
  ];
}
