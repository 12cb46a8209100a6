# Projects and tasks inside an organization.
resource Project {
  roles = ["viewer", "contributor", "maintainer"];
  permissions = ["read", "create_task", "update", "manage_access", "delete"];
  relations = { organization: Organization };

  "viewer" if "contributor";
  "contributor" if "maintainer";
  "maintainer" if "admin" on "organization";
  "viewer" if global "support";

  "read" if "viewer";
  "create_task" if "contributor";
  "update" if "maintainer";
  "manage_access" if "maintainer";
  "delete" if "admin" on "organization";
}

# internal projects are visible to every member of their organization; private ones are not
has_role(user: User, "viewer", project: Project) if
  org matches Organization and
  has_relation(project, "organization", org) and
  has_role(user, "member", org) and
  visibility(project, "internal");

resource Task {
  permissions = ["read", "comment", "update", "assign", "delete"];
  relations = { project: Project, reporter: User, assignee: User };

  "read" if "read" on "project";
  "comment" if "read";
  "update" if "contributor" on "project";
  "update" if "assignee";
  "assign" if "contributor" on "project";
  "delete" if "maintainer" on "project";
}

# reporters may delete their own tasks while they can see them and the tasks are still open
has_permission(user: User, "delete", task: Task) if
  has_relation(task, "reporter", user) and
  has_permission(user, "read", task) and
  task_status(task, status) and
  status in ["todo", "in_progress"];
