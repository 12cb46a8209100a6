// The declared types and blocks of a policy: type expansion, inheritance, and name lookup.
import type { Diagnostic } from '../errors.ts';
import { type Loc, PRIMITIVE_TYPES, type TypeDecl } from './ast.ts';
import { suggest } from './suggest.ts';
import type { BlockItem, SynFile } from './syntax.ts';

export type NameKind = 'role' | 'permission' | 'relation';

export interface BlockInfo {
  /** Type name, or `global`. */
  name: string;
  roles: Map<string, Loc>;
  permissions: Map<string, Loc>;
  relations: Map<string, { type: string; loc: Loc }>;
}

/** Type environment shared by the checker and the desugarer. */
export class Env {
  readonly types = new Map<string, TypeDecl>();
  readonly blocks = new Map<string, BlockInfo>();
  global: BlockInfo | undefined;
  readonly subtypes: Record<string, string[]> = {};

  /** How to describe a block in messages: `resource Repository`, `global`. */
  describe(block: string): string {
    const t = this.types.get(block);
    return t ? `${t.kind} ${block}` : block;
  }

  /** Concrete types a type name stands for, or undefined when the name is unknown. */
  expand(name: string): string[] | undefined {
    if ((PRIMITIVE_TYPES as readonly string[]).includes(name)) return [name];
    if (name === 'Resource') return [...this.types.keys()];
    if (name === 'Actor') {
      const out = new Set<string>();
      for (const t of this.types.values())
        if (t.kind === 'actor') for (const s of this.subtypes[t.name]!) out.add(s);
      return [...out];
    }
    return this.subtypes[name];
  }

  isKnownType(name: string): boolean {
    return this.expand(name) !== undefined;
  }

  /** The block and its supertypes, nearest first. */
  private lineage(block: string): BlockInfo[] {
    const out: BlockInfo[] = [];
    const seen = new Set<string>();
    let cur: string | undefined = block;
    while (cur !== undefined && !seen.has(cur)) {
      seen.add(cur);
      const b = cur === 'global' ? this.global : this.blocks.get(cur);
      if (b) out.push(b);
      cur = this.types.get(cur)?.extends;
    }
    return out;
  }

  /** Kind of a name declared in a block (or inherited through `extends`). */
  lookup(block: string, name: string): NameKind | undefined {
    for (const b of this.lineage(block)) {
      if (b.roles.has(name)) return 'role';
      if (b.permissions.has(name)) return 'permission';
      if (b.relations.has(name)) return 'relation';
    }
    return undefined;
  }

  relationType(block: string, rel: string): string | undefined {
    for (const b of this.lineage(block)) {
      const r = b.relations.get(rel);
      if (r) return r.type;
    }
    return undefined;
  }

  /** Every type name that may be written in a policy. */
  typeNames(): string[] {
    return [...this.types.keys(), 'Actor', 'Resource', ...PRIMITIVE_TYPES];
  }

  /** Names declared in a block and its supertypes, optionally only relations. */
  names(block: string, onlyRelations = false): string[] {
    const m = this.metadata(block);
    return onlyRelations
      ? Object.keys(m.relations)
      : [...m.roles, ...m.permissions, ...Object.keys(m.relations)];
  }

  /** Roles, permissions and relations of a block including inherited ones. */
  metadata(block: string): { roles: string[]; permissions: string[]; relations: Record<string, string> } {
    const roles = new Set<string>();
    const permissions = new Set<string>();
    const relations: Record<string, string> = {};
    for (const b of this.lineage(block).reverse()) {
      for (const r of b.roles.keys()) roles.add(r);
      for (const p of b.permissions.keys()) permissions.add(p);
      for (const [n, r] of b.relations) relations[n] = r.type;
    }
    return { roles: [...roles], permissions: [...permissions], relations };
  }
}

const BUILTIN_TYPES = new Set(['Actor', 'Resource', ...PRIMITIVE_TYPES]);

/** Collects types and block declarations; reports duplicates, bad `extends` and a second `global`. */
export function buildEnv(files: SynFile[], diags: Diagnostic[]): Env {
  const env = new Env();
  const report = (code: string, message: string, loc: Loc) => diags.push({ code, message, ...loc });
  for (const f of files) {
    for (const item of f.items) {
      if (item.kind === 'global') {
        if (env.global) report('duplicate-global', 'a policy can have only one global block', item.loc);
        else env.global = { name: 'global', roles: new Map(), permissions: new Map(), relations: new Map() };
        addDecls(env, env.global ?? newBlock('global'), item.items, report, true);
        continue;
      }
      if (item.kind !== 'block') continue;
      const name = item.name.name;
      if (BUILTIN_TYPES.has(name)) {
        report('reserved-type', `type name ${name} is built in and cannot be declared`, item.name.loc);
        continue;
      }
      const prev = env.types.get(name);
      if (prev && prev.kind !== item.blockKind) {
        report(
          'duplicate-type',
          `type ${name} is declared as both ${prev.kind} and ${item.blockKind}`,
          item.name.loc,
        );
      } else if (prev && item.extends && prev.extends !== undefined && prev.extends !== item.extends.name) {
        report(
          'duplicate-type',
          `type ${name} extends both ${prev.extends} and ${item.extends.name}`,
          item.extends.loc,
        );
      }
      if (!prev) {
        env.types.set(name, {
          name,
          kind: item.blockKind,
          ...(item.extends ? { extends: item.extends.name } : {}),
          loc: item.name.loc,
        });
      } else if (item.extends && prev.extends === undefined) prev.extends = item.extends.name;
      let block = env.blocks.get(name);
      if (!block) {
        block = newBlock(name);
        env.blocks.set(name, block);
      }
      addDecls(env, block, item.items, report, false);
    }
  }
  computeSubtypes(env, files, report);
  for (const b of env.blocks.values()) {
    for (const [rel, r] of b.relations) {
      if (!env.isKnownType(r.type) || (PRIMITIVE_TYPES as readonly string[]).includes(r.type)) {
        report(
          'unknown-type',
          `relation "${rel}" of ${env.describe(b.name)} refers to unknown type ${r.type}`,
          r.loc,
        );
      }
    }
  }
  return env;
}

function newBlock(name: string): BlockInfo {
  return { name, roles: new Map(), permissions: new Map(), relations: new Map() };
}

function addDecls(
  env: Env,
  block: BlockInfo,
  items: BlockItem[],
  report: (code: string, message: string, loc: Loc) => void,
  isGlobal: boolean,
): void {
  const where = isGlobal ? 'the global block' : env.describe(block.name);
  const taken = (n: string) =>
    block.roles.has(n)
      ? 'role'
      : block.permissions.has(n)
        ? 'permission'
        : block.relations.has(n)
          ? 'relation'
          : undefined;
  for (const it of items) {
    if (it.kind === 'decl') {
      const kind = it.what === 'roles' ? 'role' : 'permission';
      for (const n of it.names) {
        const prev = taken(n.value);
        if (prev)
          report(
            'duplicate-declaration',
            `"${n.value}" is declared twice in ${where} (${prev} and ${kind})`,
            n.loc,
          );
        else (it.what === 'roles' ? block.roles : block.permissions).set(n.value, n.loc);
      }
    } else if (it.kind === 'relations') {
      if (isGlobal) {
        report('global-relations', 'the global block cannot declare relations', it.loc);
        continue;
      }
      for (const r of it.relations) {
        const prev = taken(r.name.value);
        if (prev)
          report(
            'duplicate-declaration',
            `"${r.name.value}" is declared twice in ${where} (${prev} and relation)`,
            r.name.loc,
          );
        else block.relations.set(r.name.value, { type: r.type.name, loc: r.type.loc });
      }
    }
  }
}

function computeSubtypes(
  env: Env,
  files: SynFile[],
  report: (code: string, message: string, loc: Loc) => void,
): void {
  for (const t of env.types.values()) {
    if (t.extends === undefined) continue;
    if (!env.types.has(t.extends)) {
      const loc = findExtendsLoc(files, t.name) ?? t.loc;
      const hint = suggest(t.extends, env.types.keys(), false);
      report('unknown-type', `${t.kind} ${t.name} extends unknown type ${t.extends}${hint}`, loc);
      delete t.extends;
    }
  }
  for (const t of env.types.values()) {
    // Walk up from t; a revisit means an extends cycle, which is cut and reported once.
    const seen = new Set<string>([t.name]);
    let cur = t.extends;
    while (cur !== undefined) {
      if (seen.has(cur)) {
        if (cur === t.name) {
          report(
            'extends-cycle',
            `${t.kind} ${t.name} extends itself through ${[...seen].join(' -> ')}`,
            t.loc,
          );
          delete t.extends;
        }
        break;
      }
      seen.add(cur);
      cur = env.types.get(cur)?.extends;
    }
  }
  for (const t of env.types.keys()) env.subtypes[t] = [t];
  for (const t of env.types.values()) {
    const seen = new Set<string>([t.name]);
    let cur = t.extends;
    while (cur !== undefined && !seen.has(cur)) {
      seen.add(cur);
      env.subtypes[cur]?.push(t.name);
      cur = env.types.get(cur)?.extends;
    }
  }
}

function findExtendsLoc(files: SynFile[], name: string): Loc | undefined {
  for (const f of files) {
    for (const it of f.items)
      if (it.kind === 'block' && it.name.name === name && it.extends) return it.extends.loc;
  }
  return undefined;
}
