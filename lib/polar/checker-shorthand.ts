// Checks one block item: every name a shorthand rule uses must be declared where it is looked up.
import type { Loc } from './ast.ts';
import type { Checker } from './checker.ts';
import { suggest } from './suggest.ts';
import type { BlockItem, Named } from './syntax.ts';

/** Identifiers allowed as the head of `x if x on "rel"`, and the kind each one stands for. */
export const SHORTHAND_VARIABLES: Record<string, 'role' | 'permission'> = {
  role: 'role',
  permission: 'permission',
};

/** Checks a block item of block `block` (a type name, or `global`). */
export function checkShorthand(c: Checker, block: string, item: BlockItem): void {
  const env = c.env;
  const where = block === 'global' ? 'the global block' : env.describe(block);
  if (item.kind !== 'shorthand') return;
  const { head, body } = item;
  if (head.kind === 'ident') {
    if (body.kind !== 'var-on') {
      c.report(
        'shorthand-variable',
        `a shorthand rule head must be a string such as "reader"; ${head.value} is only allowed in ${head.value} if ${head.value} on "relation"`,
        head.loc,
      );
      return;
    }
  } else {
    const kind = env.lookup(block, head.value);
    if (kind === undefined) {
      const hint = suggest(head.value, env.names(block));
      c.report('unknown-name', `unknown role or permission "${head.value}" in ${where}${hint}`, head.loc);
    } else if (kind === 'relation') {
      c.report(
        'shorthand-head-relation',
        `"${head.value}" is a relation of ${where}; a shorthand rule can grant only a role or a permission`,
        head.loc,
      );
    }
  }
  switch (body.kind) {
    case 'implied':
      if (body.global) {
        if (!env.global) {
          c.report(
            'no-global-block',
            `"${body.name.value}" if global ... needs a global block that declares it`,
            body.name.loc,
          );
        } else if (env.lookup('global', body.name.value) === undefined) {
          const hint = suggest(body.name.value, env.names('global'));
          c.report(
            'unknown-name',
            `unknown global role or permission "${body.name.value}"${hint}`,
            body.name.loc,
          );
        }
      } else if (body.on) {
        if (block === 'global') {
          c.report(
            'global-on',
            `"on" cannot be used in the global block, which has no relations`,
            body.on.loc,
          );
          return;
        }
        const related = relation(c, block, body.on);
        if (related !== undefined)
          implied(
            c,
            related,
            body.name,
            `${env.describe(related)} (the "${body.on.value}" relation of ${where})`,
          );
      } else implied(c, block, body.name, where, true);
      return;
    case 'var-on': {
      if (head.kind !== 'ident' || head.value !== body.name.value) {
        c.report(
          'shorthand-variable',
          `${head.kind === 'ident' ? head.value : JSON.stringify(head.value)} if ${body.name.value} on ...: the head and the body must use the same variable, as in role if role on "parent"`,
          body.name.loc,
        );
      } else if (!SHORTHAND_VARIABLES[head.value]) {
        c.report(
          'shorthand-variable',
          `unknown shorthand variable "${head.value}"; use role if role on "relation" or permission if permission on "relation"`,
          head.loc,
        );
      }
      if (block === 'global')
        c.report('global-on', `"on" cannot be used in the global block, which has no relations`, body.on.loc);
      else relation(c, block, body.on);
      return;
    }
    case 'expr':
      c.expr(body.expr);
      return;
  }
}

/** The related type of `on "rel"`, or undefined after reporting why there is none. */
function relation(c: Checker, block: string, rel: Named): string | undefined {
  const env = c.env;
  const t = env.relationType(block, rel.value);
  if (t !== undefined) {
    if (t === 'Actor' || t === 'Resource') {
      c.report(
        'abstract-relation',
        `relation "${rel.value}" of ${env.describe(block)} has the abstract type ${t}; ... on "${rel.value}" needs a declared type`,
        rel.loc,
      );
    }
    return env.blocks.has(t) ? t : undefined;
  }
  const kind = env.lookup(block, rel.value);
  if (kind) {
    c.report(
      'not-a-relation',
      `"${rel.value}" is a ${kind}, not a relation, of ${env.describe(block)}`,
      rel.loc,
    );
  } else {
    const hint = suggest(rel.value, env.names(block, true));
    c.report('unknown-relation', `unknown relation "${rel.value}" in ${env.describe(block)}${hint}`, rel.loc);
  }
  return undefined;
}

/** The implier `"y"` must be declared in `block`; a relation there must point to an actor type. */
function implied(c: Checker, block: string, name: Named, where: string, local = false): void {
  const env = c.env;
  const kind = env.lookup(block, name.value);
  if (kind === undefined) {
    const hint = (local && elsewhere(c, block, name.value)) || suggest(name.value, env.names(block));
    c.report(
      'unknown-name',
      `unknown role, permission or relation "${name.value}" in ${where}${hint}`,
      name.loc,
    );
  } else if (kind === 'relation') {
    const t = env.relationType(block, name.value)!;
    if (env.blocks.has(t) && !(env.expand('Actor') ?? []).includes(t)) {
      reportNotActor(c.report, name, t, where);
    }
  }
}

function reportNotActor(report: Checker['report'], name: Named, type: string, where: string): void {
  const loc: Loc = name.loc;
  report(
    'relation-not-actor',
    `relation "${name.value}" of ${where} points to ${type}, which is not an actor type; use "role" on "${name.value}" to inherit through it`,
    loc,
  );
}

/** Where else an undeclared name is declared: the global block, or a block reached through a relation. */
function elsewhere(c: Checker, block: string, name: string): string {
  const env = c.env;
  const s = JSON.stringify(name);
  if (block !== 'global' && env.global && env.lookup('global', name)) {
    return `; it is declared in the global block: write ... if global ${s}`;
  }
  if (block === 'global') return '';
  for (const [rel, type] of Object.entries(env.metadata(block).relations)) {
    if (env.blocks.has(type) && env.lookup(type, name)) {
      return `; it is declared in ${env.describe(type)}: write ... if ${s} on ${JSON.stringify(rel)}`;
    }
  }
  return '';
}
