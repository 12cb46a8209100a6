# Teams: users belong to teams, teams belong to bigger teams, and a project role granted to a
# team is held by everyone in it (directly or through a sub-team).
has_role(user: User, role: String, project: Project) if
  team matches Team and
  has_group(user, team) and
  has_role(team, role, project);

has_group(user: User, team: Team) if
  t matches Team and
  has_group(user, t) and
  has_group(t, team);
