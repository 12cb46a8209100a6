import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../lib/cli/test-command.ts';
import { loadSqlJs, runPolicyTests } from '../../../lib/engine/index.ts';
import { parsePolicy } from '../../../lib/polar/index.ts';
import { collectPolarFiles } from '../../../lib/source/index.ts';

const POLICY = `actor User {}
resource Doc {
  roles = ["viewer", "owner"];
  permissions = ["read", "edit"];
  "viewer" if "owner";
  "read" if "viewer";
  "edit" if "owner";
}
test "docs" {
  setup {
    has_role(User{"ann"}, "owner", Doc{"a"});
    has_role(User{"bob"}, "viewer", Doc{"a"});
  }
  assert allow(User{"ann"}, "edit", Doc{"a"});
  assert has_role(User{"ann"}, "viewer", Doc{"a"});
  assert_not allow(User{"bob"}, "edit", Doc{"a"});
  assert allow(User{"ann"}, action: String, Doc{"a"}) iff action in ["edit", "read"];
  assert allow(u: User, "read", Doc{"a"}) iff u in [User{"ann"}, User{"bob"}];
}
test "isolated" {
  assert_not allow(User{"ann"}, "read", Doc{"a"});
}
`;

const FAILING = `actor User {}
resource Doc { roles = ["viewer"]; permissions = ["read"]; "read" if "viewer"; }
test "bad" {
  setup { has_role(User{"ann"}, "viewer", Doc{"a"}); }
  assert allow(User{"bob"}, "read", Doc{"a"});
  assert_not allow(User{"ann"}, "read", Doc{"a"});
  assert allow(User{"ann"}, action: String, Doc{"a"}) iff action in ["read", "write"];
  assert allow(User{"ann"}, "read", Doc{"a"});
}
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polar-tests-'));
  await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
  await writeFile(join(dir, 'good.polar'), POLICY);
  await writeFile(join(dir, 'nested', 'deeper', 'bad.polar'), FAILING);
  await writeFile(join(dir, 'nested', 'notes.txt'), 'not polar');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

describe('runPolicyTests', () => {
  it('runs each test on its own facts; assert/assert_not/iff on any predicate', async () => {
    const policy = parsePolicy([{ filename: 'good.polar', src: POLICY }]);
    const r = runPolicyTests(await loadSqlJs(), policy);
    expect(r.failures).toEqual([]);
    expect(r).toMatchObject({ passed: 6, failed: 0 });
  });

  it('reports what failed, where', async () => {
    const policy = parsePolicy([{ filename: 'bad.polar', src: FAILING }]);
    const r = runPolicyTests(await loadSqlJs(), policy);
    expect(r.passed).toBe(1);
    expect(r.failed).toBe(3);
    expect(r.failures.map((f) => [f.test, f.loc.line, f.message])).toEqual([
      ['bad', 5, 'expected allow(User{"bob"}, "read", Doc{"a"}) to hold'],
      ['bad', 6, 'expected allow(User{"ann"}, "read", Doc{"a"}) not to hold'],
      [
        'bad',
        7,
        'allow(User{"ann"}, action: String, Doc{"a"}) iff action in ["read", "write"]: missing "write"',
      ],
    ]);
  });
});

describe('collectPolarFiles', () => {
  it('walks directories for *.polar, sorted, relative to the working directory', async () => {
    const files = await collectPolarFiles([dir, join(dir, 'good.polar')]);
    expect(files.map((f) => f.filename)).toEqual(
      [join(dir, 'good.polar'), join(dir, 'nested', 'deeper', 'bad.polar')]
        .map((p) => relative(process.cwd(), p))
        .sort(),
    );
    expect(files[0]!.src.length).toBeGreaterThan(0);
    await expect(collectPolarFiles([join(dir, 'missing')])).rejects.toThrow(/no such file/);
  });
});

describe('fallback test', () => {
  it('exits 0 when every assertion passes', async () => {
    const c = capture();
    expect(await run([join(dir, 'good.polar')], {}, c.io)).toBe(0);
    expect(c.out()).toBe('6 passed, 0 failed\n');
  });

  it('prints one line per failure and exits 1', async () => {
    const c = capture();
    expect(await run([join(dir, 'nested')], {}, c.io)).toBe(1);
    const lines = c.out().trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /bad\.polar:5:3: test "bad": expected allow\(User\{"bob"\}, "read", Doc\{"a"\}\) to hold$/,
    );
    expect(lines.at(-1)).toBe('1 passed, 3 failed');
  });

  it('exits 2 with diagnostics when the policy does not parse', async () => {
    const file = join(dir, 'broken.polar');
    await writeFile(file, 'actor User {\n');
    const c = capture();
    expect(await run([file], {}, c.io)).toBe(2);
    expect(c.err()).toMatch(/broken\.polar:\d+:\d+: /);
    await rm(file);
  });

  it('exits 2 on usage errors', async () => {
    const c = capture();
    expect(await run([], {}, c.io)).toBe(2);
    expect(c.err()).toMatch(/usage: fallback test/);
  });
});
