// Sample authorization checks for the GitHub-like data set, with answers known by construction.
import type { Value } from '../../lib/polar/index.ts';
import {
  ADMIN_EVERY,
  FOLDER_DEPTH,
  folder,
  isBanned,
  isPublicRepo,
  issue,
  issueCreator,
  orgOfRepo,
  orgOfUser,
  type Plan,
  repo,
  user,
} from './github-plan.ts';
import { hashString, mulberry32 } from './rng.ts';

/** One authorization question; `expected` is set when the answer is known by construction. */
export interface SampleCheck {
  actor: Value;
  action: string;
  resource: Value;
  expected?: boolean;
}

/** A uniformly random user that is neither banned nor a global admin. */
const plainUser = (p: Plan, rnd: () => number) =>
  p.globalAdmins + Math.floor(rnd() * (p.users - p.banned - p.globalAdmins));
/** A non-banned admin of org `o` (one exists: users/20 > orgs for every plan). */
function adminOf(p: Plan, o: number, rnd: () => number): number {
  const max = Math.floor((p.users - p.banned - 1 - ADMIN_EVERY * o) / (ADMIN_EVERY * p.orgs));
  return ADMIN_EVERY * (o + p.orgs * Math.floor(rnd() * (max + 1)));
}
/** A random repository of org `o`. */
const repoOf = (p: Plan, o: number, rnd: () => number) =>
  o + p.orgs * Math.floor(rnd() * Math.floor((p.repos - 1 - o) / p.orgs + 1));

export function checks(p: Plan, n: number, seed: number): SampleCheck[] {
  const rnd = mulberry32(seed ^ hashString('checks'));
  const anyRepo = () => Math.floor(rnd() * p.repos);
  const out: SampleCheck[] = [];
  for (let k = 0; out.length < n; k++) {
    switch (k % 10) {
      case 0: {
        const r = anyRepo();
        out.push({
          actor: user(adminOf(p, orgOfRepo(p, r), rnd)),
          action: 'delete',
          resource: repo(r),
          expected: true,
        });
        break;
      }
      case 1: {
        const u = plainUser(p, rnd);
        const r = repoOf(p, orgOfUser(p, u), rnd);
        out.push({ actor: user(u), action: 'read', resource: repo(r), expected: true });
        break;
      }
      case 2: {
        const u = p.users - 1 - Math.floor(rnd() * p.banned);
        out.push({ actor: user(u), action: 'read', resource: repo(anyRepo()), expected: false });
        break;
      }
      case 3: {
        const u = Math.floor(rnd() * p.globalAdmins);
        out.push({ actor: user(u), action: 'delete', resource: repo(anyRepo()), expected: true });
        break;
      }
      case 4: {
        const r = 10 * Math.floor(rnd() * Math.ceil(p.repos / 10));
        out.push({ actor: user(plainUser(p, rnd)), action: 'read', resource: repo(r), expected: true });
        break;
      }
      case 5: {
        const r = 5 * Math.floor(rnd() * Math.ceil(p.repos / 5));
        const u = adminOf(p, orgOfRepo(p, r), rnd);
        out.push({ actor: user(u), action: 'write', resource: folder(r, FOLDER_DEPTH - 1), expected: true });
        break;
      }
      case 6: {
        let r = anyRepo();
        if (isPublicRepo(r)) r = r + 1 < p.repos ? r + 1 : r - 1;
        out.push({
          actor: { type: 'User', id: `outsider${k}` },
          action: 'read',
          resource: repo(r),
          expected: false,
        });
        break;
      }
      case 7: {
        const i = Math.floor(rnd() * p.issues);
        const u = issueCreator(p, i);
        out.push({ actor: user(u), action: 'close', resource: issue(i), expected: !isBanned(p, u) });
        break;
      }
      case 8: {
        const action = ['read', 'push', 'delete'][Math.floor(rnd() * 3)]!;
        out.push({ actor: user(Math.floor(rnd() * p.users)), action, resource: repo(anyRepo()) });
        break;
      }
      default: {
        const action = ['read', 'comment', 'close'][Math.floor(rnd() * 3)]!;
        const i = Math.floor(rnd() * p.issues);
        out.push({ actor: user(Math.floor(rnd() * p.users)), action, resource: issue(i) });
      }
    }
  }
  return out;
}
