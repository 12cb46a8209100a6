// The Polar policy of the GitHub-like benchmark data set (see github.ts for the facts).

/**
 * Orgs, repositories, issues, folders nested under repositories, nested groups holding roles, public
 * repositories, banned users and global admins: every recursive and negated shape the engine supports.
 */
export const GITHUB_POLICY = `# GitHub-like benchmark policy (generated data set; see bench/gen/github.ts)
actor User {}
actor Group {}

global {
  roles = ["admin"];
}

resource Organization {
  roles = ["member", "admin"];
  permissions = ["read", "create_repository", "manage_members"];

  "member" if "admin";
  "read" if "member";
  "create_repository" if "member";
  "manage_members" if "admin";
  "admin" if global "admin";
}

resource Repository {
  roles = ["reader", "writer", "admin"];
  permissions = ["read", "push", "delete"];
  relations = { organization: Organization };

  "reader" if "writer";
  "writer" if "admin";
  "reader" if "member" on "organization";
  "admin" if "admin" on "organization";

  "read" if "reader";
  "push" if "writer";
  "delete" if "admin";
}

has_permission(_: Actor, "read", repo: Repository) if
  is_public(repo, true);

resource Issue {
  roles = ["reader"];
  permissions = ["read", "comment", "close"];
  relations = { repository: Repository, creator: User };

  "reader" if "reader" on "repository";
  "read" if "reader";
  "comment" if "reader";
  "close" if "creator";
  "close" if "admin" on "repository";
}

resource Folder {
  roles = ["reader", "writer"];
  permissions = ["read", "write"];
  relations = { repository: Repository, folder: Folder };

  "reader" if "reader" on "repository";
  "writer" if "writer" on "repository";
  role if role on "folder";
  "reader" if "writer";

  "read" if "reader";
  "write" if "writer";
}

# members of a group hold the group's roles
has_role(user: User, role: String, resource: Resource) if
  group matches Group and
  has_group(user, group) and
  has_role(group, role, resource);

# groups nest
has_group(user: User, group: Group) if
  g matches Group and
  has_group(user, g) and
  has_group(g, group);

allow(actor, action, resource) if
  not is_banned(actor) and
  has_permission(actor, action, resource);
`;
