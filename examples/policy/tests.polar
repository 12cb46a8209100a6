# Policy tests. Each test's setup is a slice of examples/facts/*.jsonl, so the assertions
# also hold against the full data set. Run them with `npx tsx functions/cli.ts test examples/policy`.

test "tenants, internal and private projects" {
  setup {
    has_role(User{"alice"}, "admin", Organization{"acme"});
    has_role(User{"bob"}, "member", Organization{"acme"});
    has_role(User{"carol"}, "member", Organization{"acme"});
    has_role(User{"erin"}, "billing", Organization{"acme"});
    has_role(User{"frank"}, "viewer", Organization{"acme"});
    has_relation(Project{"api"}, "organization", Organization{"acme"});
    visibility(Project{"api"}, "internal");
    has_relation(Project{"infra"}, "organization", Organization{"acme"});
    visibility(Project{"infra"}, "private");
    has_relation(Project{"roadmap"}, "organization", Organization{"acme"});
    visibility(Project{"roadmap"}, "private");
    has_role(User{"carol"}, "maintainer", Project{"roadmap"});
    has_role(User{"bob"}, "viewer", Project{"roadmap"});
  }
  assert allow(User{"alice"}, "delete", Project{"infra"});
  assert allow(User{"bob"}, "read", Project{"api"});            # internal: every member reads it
  assert_not allow(User{"bob"}, "update", Project{"api"});
  assert_not allow(User{"carol"}, "read", Project{"infra"});    # private: explicit roles only
  assert allow(User{"bob"}, "read", Project{"roadmap"});
  assert_not allow(User{"frank"}, "read", Project{"api"});      # an org viewer is not a member
  assert allow(User{"frank"}, "read", Organization{"acme"});
  assert allow(User{"erin"}, "view_billing", Organization{"acme"});
  assert_not allow(User{"erin"}, "create_project", Organization{"acme"});
  assert allow(User{"carol"}, action: String, Project{"roadmap"}) iff action in ["create_task", "manage_access", "read", "update"];
  assert allow(User{"alice"}, action: String, Organization{"acme"}) iff action in ["create_project", "manage_members", "read", "view_billing"];
}

test "nested teams" {
  setup {
    has_group(User{"bob"}, Team{"eng"});
    has_group(User{"dave"}, Team{"platform"});
    has_group(User{"carol"}, Team{"web"});
    has_group(Team{"platform"}, Team{"eng"});
    has_group(Team{"web"}, Team{"eng"});
    has_role(Team{"eng"}, "contributor", Project{"api"});
    has_role(Team{"platform"}, "maintainer", Project{"infra"});
    has_relation(Project{"api"}, "organization", Organization{"acme"});
    has_relation(Project{"infra"}, "organization", Organization{"acme"});
    visibility(Project{"infra"}, "private");
    has_relation(Task{"INF-1"}, "project", Project{"infra"});
  }
  assert allow(User{"dave"}, "update", Project{"infra"});
  assert allow(User{"dave"}, "create_task", Project{"api"});    # platform is part of eng
  assert allow(User{"carol"}, "create_task", Project{"api"});
  assert_not allow(User{"bob"}, "read", Project{"infra"});      # eng members are not in platform
  assert allow(User{"dave"}, action: String, Task{"INF-1"}) iff action in ["assign", "comment", "delete", "read", "update"];
}

test "guests, suspension and platform staff" {
  setup {
    has_role(User{"root"}, "superadmin");
    has_role(User{"sam"}, "support");
    has_role(User{"mallory"}, "admin", Organization{"acme"});
    is_suspended(User{"mallory"});
    has_role(User{"zoe"}, "contributor", Project{"crm"});
    has_relation(Project{"crm"}, "organization", Organization{"globex"});
    has_relation(Project{"api"}, "organization", Organization{"acme"});
    has_relation(Project{"payments"}, "organization", Organization{"globex"});
    has_relation(Task{"CRM-1"}, "project", Project{"crm"});
  }
  assert allow(User{"zoe"}, "comment", Task{"CRM-1"});
  assert_not allow(User{"zoe"}, "read", Project{"api"});        # no role in another tenant
  assert_not allow(User{"mallory"}, "read", Project{"api"});    # suspended admin
  assert allow(User{"sam"}, "read", Project{"payments"});
  assert_not allow(User{"sam"}, "update", Project{"payments"});
  assert allow(User{"root"}, "delete", Organization{"globex"});
  assert allow(User{"root"}, "delete", Project{"api"});
  assert allow(User{"mallory"}, action: String, Organization{"acme"}) iff action in [];
}

test "task reporters and assignees" {
  setup {
    has_role(User{"acme-u11"}, "member", Organization{"acme"});
    has_role(User{"acme-u12"}, "member", Organization{"acme"});
    has_role(User{"acme-u19"}, "member", Organization{"acme"});
    has_relation(Project{"api"}, "organization", Organization{"acme"});
    visibility(Project{"api"}, "internal");
    has_relation(Task{"API-2"}, "project", Project{"api"});
    has_relation(Task{"API-2"}, "reporter", User{"acme-u12"});
    has_relation(Task{"API-2"}, "assignee", User{"acme-u11"});
    task_status(Task{"API-2"}, "done");
    has_relation(Task{"API-3"}, "project", Project{"api"});
    has_relation(Task{"API-3"}, "reporter", User{"acme-u19"});
    task_status(Task{"API-3"}, "todo");
  }
  assert allow(User{"acme-u19"}, "delete", Task{"API-3"});      # own task, still open
  assert_not allow(User{"acme-u12"}, "delete", Task{"API-2"});  # done tasks stay
  assert allow(User{"acme-u11"}, "update", Task{"API-2"});      # the assignee
  assert allow(User{"acme-u19"}, action: String, Task{"API-3"}) iff action in ["comment", "delete", "read"];
}
