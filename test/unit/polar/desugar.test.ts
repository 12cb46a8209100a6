import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Policy, parsePolicy } from '../../../lib/polar/index.ts';
import { showRule } from './print.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/policies/${name}`, import.meta.url), 'utf8');
const policy = (src: string): Policy => parsePolicy([{ filename: 'p.polar', src }]);
const rules = (src: string): string[] => policy(src).rules.map(showRule);

// polar.md §3.2 "F1 core", with Cloud names (has_role, not p_has_role) and concrete isa lists.
const F1_CORE = `
has_role(actor, "member", resource) if actor isa User and resource isa Organization and has_role(actor, "admin", resource);
has_permission(actor, "read", resource) if actor isa User and resource isa Organization and has_role(actor, "member", resource);
has_permission(actor, "create_repository", resource) if actor isa User and resource isa Organization and has_role(actor, "admin", resource);
has_permission(actor, "manage_members", resource) if actor isa User and resource isa Organization and has_role(actor, "admin", resource);
has_role(actor, "admin", resource) if actor isa User and resource isa Organization and has_role(actor, "admin");
has_role(actor, "reader", resource) if actor isa User and resource isa Repository and has_role(actor, "writer", resource);
has_role(actor, "writer", resource) if actor isa User and resource isa Repository and has_role(actor, "admin", resource);
has_role(actor, "reader", resource) if actor isa User and resource isa Repository and organization isa Organization and has_relation(resource, "organization", organization) and has_role(actor, "member", organization);
has_role(actor, "admin", resource) if actor isa User and resource isa Repository and organization isa Organization and has_relation(resource, "organization", organization) and has_role(actor, "admin", organization);
has_permission(actor, "read", resource) if actor isa User and resource isa Repository and has_role(actor, "reader", resource);
has_permission(actor, "push", resource) if actor isa User and resource isa Repository and has_role(actor, "writer", resource);
has_permission(actor, "delete", resource) if actor isa User and resource isa Repository and has_role(actor, "admin", resource);
has_permission(_1, "read", repo) if _1 isa User and repo isa Repository and is_public(repo, true);
has_role(actor, "reader", resource) if actor isa User and resource isa Issue and repository isa Repository and has_relation(resource, "repository", repository) and has_role(actor, "reader", repository);
has_permission(actor, "read", resource) if actor isa User and resource isa Issue and has_role(actor, "reader", resource);
has_permission(actor, "comment", resource) if actor isa User and resource isa Issue and has_role(actor, "reader", resource);
has_permission(actor, "close", resource) if actor isa User and resource isa Issue and has_relation(resource, "creator", actor);
has_permission(actor, "close", resource) if actor isa User and resource isa Issue and repository isa Repository and has_relation(resource, "repository", repository) and has_role(actor, "admin", repository);
allow(actor, action, resource) if not is_banned(actor) and has_permission(actor, action, resource);
`.trim();

describe('desugar F1 (polar.md §1.6)', () => {
  const p = parsePolicy([{ filename: 'f1.polar', src: fixture('f1-github.polar') }]);

  it('produces exactly the F1 core rules, in Cloud argument order, with no injected allow', () => {
    expect(p.rules.map(showRule).join('\n')).toBe(F1_CORE);
  });

  it('keeps locations of the shorthand rules', () => {
    expect(p.rules[0]!.loc).toEqual({ file: 'f1.polar', line: 11, column: 3 });
  });

  it('fills metadata per block and for global', () => {
    expect(p.metadata.Issue).toEqual({
      roles: ['reader'],
      permissions: ['read', 'comment', 'close'],
      relations: { repository: 'Repository', creator: 'User' },
    });
    expect(p.metadata.global).toEqual({ roles: ['admin'], permissions: [], relations: {} });
    expect(p.metadata.User).toEqual({ roles: [], permissions: [], relations: {} });
  });

  it('lists types and subtypes', () => {
    expect(p.types.map((t) => `${t.kind} ${t.name}`)).toEqual([
      'actor User',
      'resource Organization',
      'resource Repository',
      'resource Issue',
    ]);
    expect(p.subtypes).toEqual({
      User: ['User'],
      Organization: ['Organization'],
      Repository: ['Repository'],
      Issue: ['Issue'],
    });
  });

  it('infers one signature per distinct use of each predicate', () => {
    const sigs = p.signatures.map(
      (s) => `${s.predicate}(${s.argTypes.map((t) => t.join('|') || '_').join(', ')})`,
    );
    expect(sigs).toEqual(
      expect.arrayContaining([
        'has_role(User, String, Organization)',
        'has_role(User, String)',
        'has_relation(Repository, String, Organization)',
        'has_relation(Issue, String, User)',
        'is_public(Repository, Boolean)',
        'is_banned(_)',
        'has_permission(_, _, _)',
      ]),
    );
    expect(sigs).toHaveLength(new Set(sigs).size);
  });

  it('desugars the test block: setup facts, assertions and iff values', () => {
    expect(p.tests).toHaveLength(1);
    const t = p.tests[0]!;
    expect(t.name).toBe('F1 github-like');
    expect(t.facts).toHaveLength(14);
    expect(t.facts[0]).toEqual({
      predicate: 'has_role',
      args: [
        { type: 'User', id: 'alice' },
        { type: 'String', id: 'admin' },
        { type: 'Organization', id: 'acme' },
      ],
    });
    expect(t.facts).toContainEqual({
      predicate: 'is_public',
      args: [
        { type: 'Repository', id: 'site' },
        { type: 'Boolean', id: 'true' },
      ],
    });
    expect(t.assertions).toHaveLength(24);
    expect(t.assertions[2]!.kind).toBe('assert_not');
    const iff = t.assertions[18]!;
    expect(iff.variable).toEqual({ name: 'action', types: ['String'] });
    expect(iff.atom.args[1]).toEqual({ kind: 'var', name: 'action' });
    expect(iff.iff).toEqual([
      { type: 'String', id: 'delete' },
      { type: 'String', id: 'push' },
      { type: 'String', id: 'read' },
    ]);
    expect(t.assertions[23]!.iff).toEqual([]);
  });
});

describe('desugar F2 (role if role on "rel")', () => {
  const p = parsePolicy([{ filename: 'f2.polar', src: fixture('f2-folders.polar') }]);
  const shown = p.rules.map(showRule);

  it('keeps the role variable an unconstrained String and guards the related variable', () => {
    expect(shown).toContain(
      'has_role(actor, role, resource) if actor isa User and role isa String and resource isa Folder and folder isa Folder and has_relation(resource, "folder", folder) and has_role(actor, role, folder);',
    );
    expect(shown).toContain(
      'has_role(actor, "writer", resource) if actor isa User and resource isa Folder and repository isa Repository and has_relation(resource, "repository", repository) and has_role(actor, "maintainer", repository);',
    );
  });

  it('injects the default allow when the policy has none', () => {
    expect(shown.at(-1)).toBe('allow(actor, action, resource) if has_permission(actor, action, resource);');
    expect(shown.filter((r) => r.startsWith('allow('))).toHaveLength(1);
  });
});

describe('shorthand forms', () => {
  it('"x" if global "g" and global 2-argument rules', () => {
    const out = rules(`
      actor User {}
      global { roles = ["admin", "staff"]; permissions = ["impersonate"]; "staff" if "admin"; "impersonate" if "staff"; }
      resource Org { permissions = ["read"]; roles = ["viewer"]; "read" if global "impersonate"; "viewer" if global "admin"; }
    `);
    expect(out).toEqual([
      'has_role(actor, "staff") if actor isa User and has_role(actor, "admin");',
      'has_permission(actor, "impersonate") if actor isa User and has_role(actor, "staff");',
      'has_permission(actor, "read", resource) if actor isa User and resource isa Org and has_permission(actor, "impersonate");',
      'has_role(actor, "viewer", resource) if actor isa User and resource isa Org and has_role(actor, "admin");',
      'allow(actor, action, resource) if has_permission(actor, action, resource);',
    ]);
  });

  it('"x" if "rel" on an actor relation, and "y" on "rel" where y is a relation of the related actor', () => {
    const out = rules(`
      actor User { relations = { manager: User }; }
      resource Doc {
        roles = ["viewer"]; permissions = ["edit"];
        relations = { owner: User };
        "edit" if "owner";
        "viewer" if "manager" on "owner";
      }
    `);
    expect(out).toContain(
      'has_permission(actor, "edit", resource) if actor isa User and resource isa Doc and has_relation(resource, "owner", actor);',
    );
    expect(out).toContain(
      'has_role(actor, "viewer", resource) if actor isa User and resource isa Doc and owner isa User and has_relation(resource, "owner", owner) and has_relation(owner, "manager", actor);',
    );
  });

  it('permission if permission on "rel" and "p1" if "p2" (permission implies permission)', () => {
    const out = rules(`
      actor User {}
      resource Folder { permissions = ["read", "list"]; "list" if "read"; }
      resource File { permissions = ["read"]; relations = { parent: Folder }; permission if permission on "parent"; }
    `);
    expect(out).toContain(
      'has_permission(actor, "list", resource) if actor isa User and resource isa Folder and has_permission(actor, "read", resource);',
    );
    expect(out).toContain(
      'has_permission(actor, permission, resource) if actor isa User and permission isa String and resource isa File and parent isa Folder and has_relation(resource, "parent", parent) and has_permission(actor, permission, parent);',
    );
  });

  it('a shorthand with an expression body binds actor and resource', () => {
    const out = rules(`
      actor User {}
      resource Repo { permissions = ["read", "admin"]; "read" if is_public(resource); "admin" if is_owner(actor, resource) or is_root(actor); }
    `);
    expect(out.slice(0, 3)).toEqual([
      'has_permission(actor, "read", resource) if actor isa User and resource isa Repo and is_public(resource);',
      'has_permission(actor, "admin", resource) if actor isa User and resource isa Repo and is_owner(actor, resource);',
      'has_permission(actor, "admin", resource) if actor isa User and resource isa Repo and is_root(actor);',
    ]);
  });

  it('extends: Actor/Resource and supertypes expand to subtypes; subtypes resolve inherited names', () => {
    const p = policy(`
      actor User {}
      actor Admin extends User {}
      resource Item { roles = ["owner"]; permissions = ["read"]; relations = { parent: Item }; "read" if "owner"; }
      resource Photo extends Item { permissions = ["view"]; "view" if "owner" on "parent"; }
      allow(a: Actor, "x", r: Resource) if seen(a, r);
    `);
    expect(p.subtypes).toEqual({
      User: ['User', 'Admin'],
      Admin: ['Admin'],
      Item: ['Item', 'Photo'],
      Photo: ['Photo'],
    });
    const out = p.rules.map(showRule);
    expect(out).toContain(
      'has_permission(actor, "read", resource) if actor isa User|Admin and resource isa Item|Photo and has_role(actor, "owner", resource);',
    );
    expect(out).toContain(
      'has_permission(actor, "view", resource) if actor isa User|Admin and resource isa Photo and parent isa Item|Photo and has_relation(resource, "parent", parent) and has_role(actor, "owner", parent);',
    );
    expect(out).toContain(
      'allow(a, "x", r) if a isa User|Admin and r isa User|Admin|Item|Photo and seen(a, r);',
    );
    expect(out.some((r) => r.startsWith('allow(actor, action, resource)'))).toBe(false);
    expect(p.metadata.Photo).toEqual({
      roles: ['owner'],
      permissions: ['read', 'view'],
      relations: { parent: 'Item' },
    });
    expect(p.types.find((t) => t.name === 'Photo')?.extends).toBe('Item');
  });
});

describe('longhand rules', () => {
  it('expands or into DNF, one rule per conjunction, with not binding tighter than and', () => {
    const out = rules(`
      actor User {}
      allow(u: User, "go", r) if (a(u) or b(u)) and not c(u) and (d(r) or e(r));
    `);
    expect(out).toEqual([
      'allow(u, "go", r) if u isa User and a(u) and not c(u) and d(r);',
      'allow(u, "go", r) if u isa User and a(u) and not c(u) and e(r);',
      'allow(u, "go", r) if u isa User and b(u) and not c(u) and d(r);',
      'allow(u, "go", r) if u isa User and b(u) and not c(u) and e(r);',
    ]);
  });

  it('and binds tighter than or', () => {
    expect(rules('actor U {}\nallow(x: U, y: U, z: U) if a(x) or b(y) and c(z);')).toEqual([
      'allow(x, y, z) if x isa U and y isa U and z isa U and a(x);',
      'allow(x, y, z) if x isa U and y isa U and z isa U and b(y) and c(z);',
    ]);
  });

  it('renames every _ to a fresh variable that does not clash with user names', () => {
    expect(rules('actor U {}\nallow(_: U, _1, _: U) if f(_1, _);')).toEqual([
      'allow(_2, _1, _3) if _2 isa U and _3 isa U and f(_1, _4);',
    ]);
  });

  it('keeps literal and repeated head arguments; bodiless typed rules; policy facts', () => {
    const p = policy(`
      actor User {}
      resource Organization {}
      has_permission(_: User, "create", "Organization");
      has_permission(user: User, "read_profile", user: User);
      plan_quota(Organization{"acme"}, "repository", -10, true);
    `);
    expect(p.rules.map(showRule).slice(0, 2)).toEqual([
      'has_permission(_1, "create", "Organization") if _1 isa User;',
      'has_permission(user, "read_profile", user) if user isa User;',
    ]);
    expect(p.facts).toEqual([
      {
        predicate: 'plan_quota',
        args: [
          { type: 'Organization', id: 'acme' },
          { type: 'String', id: 'repository' },
          { type: 'Integer', id: '-10' },
          { type: 'Boolean', id: 'true' },
        ],
      },
    ]);
  });

  it('comparisons, in, @current_unix_time, object literals and matches', () => {
    const out = rules(`
      actor User {}
      resource Repo {}
      allow(u: User, "read", r: Repo) if
        grant(u, r, exp, level) and exp > @current_unix_time and level >= 2 and level != 7
        and exp <= 9223372036854775807 and level < +10 and tier(r, t) and t in ["gold", "silver"]
        and owner(r, o) and o matches User and o = User{"root"};
    `);
    expect(out[0]).toBe(
      'allow(u, "read", r) if u isa User and r isa Repo and grant(u, r, exp, level) and exp > @current_unix_time and level >= 2 and level != 7 and exp <= 9223372036854775807 and level < 10 and tier(r, t) and t in ["gold", "silver"] and owner(r, o) and o isa User and o = User{"root"};',
    );
  });

  it('evaluates matches and true/false on constants statically', () => {
    expect(rules('actor U {}\nallow(x: U, 1, 2) if f(x) and "s" matches String and true;')).toEqual([
      'allow(x, 1, 2) if x isa U and f(x);',
    ]);
    expect(
      rules('actor U {}\nallow(x: U, 1, 2) if f(x) and (false or 3 matches String);').filter((r) =>
        r.startsWith('allow(x'),
      ),
    ).toEqual([]);
  });

  it('does not inject allow when an allow rule of any arity exists', () => {
    expect(rules('actor U {}\nallow(x: U) if f(x);')).toEqual(['allow(x) if x isa U and f(x);']);
  });

  it('splits string escapes and several files into one policy', () => {
    const p = parsePolicy([
      { filename: 'a.polar', src: 'actor User {}\nresource Doc { permissions = ["read"]; }' },
      { filename: 'b.polar', src: 'has_permission(u: User, "read", d: Doc) if tag(d, "a\\"b\\\\c\\n");' },
    ]);
    expect(p.rules.map(showRule)[0]).toBe(
      'has_permission(u, "read", d) if u isa User and d isa Doc and tag(d, "a\\"b\\\\c\\n");',
    );
    expect(p.rules[0]!.loc.file).toBe('b.polar');
    expect(p.sources.map((s) => s.filename)).toEqual(['a.polar', 'b.polar']);
  });
});

describe('tests and fixtures', () => {
  it('inlines fixtures in order, types iff values by the variable type, and declares signatures', () => {
    const p = policy(`
      actor User {}
      resource Repo { permissions = ["read"]; }
      declare owns(User, Repo);
      has_permission(u: User, "read", r: Repo) if owns(u, r);
      test fixture base { owns(User{"a"}, Repo{"x"}); }
      test "reads" {
        setup { fixture base; owns(User{"a"}, Repo{"y"}); }
        assert allow(User{"a"}, "read", r: Repo) iff r in ["x", Repo{"y"}];
        assert_not has_permission(User{"b"}, "read", Repo{"x"});
      }
    `);
    const t = p.tests[0]!;
    expect(t.facts.map((f) => f.args[1]!.id)).toEqual(['x', 'y']);
    expect(t.assertions[0]!.iff).toEqual([
      { type: 'Repo', id: 'x' },
      { type: 'Repo', id: 'y' },
    ]);
    expect(t.assertions[1]).toMatchObject({ kind: 'assert_not', atom: { pred: 'has_permission' } });
    expect(t.assertions[1]!.variable).toBeUndefined();
    expect(p.signatures).toContainEqual({ predicate: 'owns', argTypes: [['User'], ['Repo']] });
  });
});
