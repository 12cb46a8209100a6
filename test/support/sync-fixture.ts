// A small multi-tenant policy with a test block, and facts as JSONL, written into a temporary folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const POLICY = `actor User {}

resource Organization {
  roles = ["viewer", "member", "admin"];
  permissions = ["read", "create_repo"];
  "viewer" if "member";
  "member" if "admin";
  "read" if "viewer";
  "create_repo" if "member";
}

resource Repository {
  roles = ["reader", "maintainer"];
  permissions = ["read", "push"];
  relations = { organization: Organization };
  "reader" if "member" on "organization";
  "maintainer" if "admin" on "organization";
  "reader" if "maintainer";
  "read" if "reader";
  "push" if "maintainer";
}

has_role(User{"root"}, "admin", Organization{"acme"});

test "org admins can push to the org's repositories" {
  setup {
    has_role(User{"alice"}, "admin", Organization{"acme"});
    has_relation(Repository{"anvil"}, "organization", Organization{"acme"});
  }
  assert allow(User{"alice"}, "push", Repository{"anvil"});
  assert_not allow(User{"bob"}, "push", Repository{"anvil"});
}
`;

const v = (type: string, id: string) => ({ type, id });

/** One wire-format JSONL line. */
export function factLine(predicate: string, ...args: [string, string][]): string {
  return JSON.stringify({ predicate, args: args.map(([t, id]) => v(t, id)) });
}

/** `orgs` organizations with `users` members each and 2 repositories each. */
export function factLines(orgs: number, users: number): { roles: string[]; relations: string[] } {
  const roles: string[] = [];
  const relations: string[] = [];
  for (let o = 0; o < orgs; o++) {
    for (let u = 0; u < users; u++) {
      roles.push(
        factLine(
          'has_role',
          ['User', `u${o}-${u}`],
          ['String', u === 0 ? 'admin' : 'member'],
          ['Organization', `org${o}`],
        ),
      );
    }
    for (let r = 0; r < 2; r++) {
      relations.push(
        factLine(
          'has_relation',
          ['Repository', `repo${o}-${r}`],
          ['String', 'organization'],
          ['Organization', `org${o}`],
        ),
      );
    }
  }
  return { roles, relations };
}

/** Writes the example source into `dir`: `policy/main.polar`, `facts/roles.jsonl`, `facts/relations.jsonl`. */
export function writeExampleSource(dir: string, orgs = 5, users = 4): void {
  mkdirSync(join(dir, 'policy'), { recursive: true });
  mkdirSync(join(dir, 'facts'), { recursive: true });
  writeFileSync(join(dir, 'policy', 'main.polar'), POLICY);
  const { roles, relations } = factLines(orgs, users);
  writeFileSync(join(dir, 'facts', 'roles.jsonl'), `${roles.join('\n')}\n`);
  writeFileSync(join(dir, 'facts', 'relations.jsonl'), `${relations.join('\n')}\n`);
}
