# Acme Projects: a multi-tenant work-management app (see examples/README.md).
# Tenants are organizations; inside them, projects hold tasks. Teams (which nest) hold
# project roles for their members. Platform staff have global roles. Suspended users are
# denied everything, whatever else they hold.
# The policy is split over several files; together they form one policy.
actor User {}
actor Team {}

global {
  roles = ["superadmin", "support"];

  "support" if "superadmin";
}

resource Organization {
  roles = ["viewer", "member", "billing", "admin"];
  permissions = ["read", "create_project", "manage_members", "view_billing", "delete"];

  "member" if "admin";
  "viewer" if "member";
  "viewer" if "billing";
  "admin" if global "superadmin";
  "viewer" if global "support";

  "read" if "viewer";
  "create_project" if "member";
  "manage_members" if "admin";
  "view_billing" if "admin";
  "view_billing" if "billing";
  "delete" if global "superadmin";
}

# the only allow rule: a suspension overrides every grant
allow(user: User, action: String, resource: Resource) if
  has_permission(user, action, resource) and
  not is_suspended(user);
