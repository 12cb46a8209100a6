import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Layers of lib/: a folder may import only from itself and from folders of a lower rank.
const RANK: Record<string, number> = {
  errors: 0,
  types: 0,
  polar: 1,
  compiler: 2,
  engine: 3,
  snapshot: 4,
  source: 4,
  store: 5,
  sync: 6,
  serving: 6,
  http: 7,
  dev: 8,
  cli: 9,
};

// Files that are a folder's public contract besides its index.ts (plain types, no behaviour).
const CONTRACT_FILES = ['index.ts', 'types.ts', 'ast.ts', 'manifest.ts'];

const ROOT = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map(
    (m) => m[1]!,
  );
  const dynamic = [...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!);
  return [...specs, ...dynamic];
}

/** The lib/ folder (or top-level file stem) that a path belongs to. */
function layerOf(path: string): string {
  const rel = relative(join(ROOT, 'lib'), path).split('/');
  return rel.length === 1 ? rel[0]!.replace(/\.(d\.)?ts$/, '') : rel[0]!;
}

const libFiles = sourceFiles(join(ROOT, 'lib'));

describe('architecture', () => {
  it('knows every lib/ folder', () => {
    const unknown = [...new Set(libFiles.map(layerOf))].filter((l) => !(l in RANK));
    expect(unknown).toEqual([]);
  });

  it('lib/ imports only sideways-within-a-folder or downwards, through index.ts', () => {
    const problems: string[] = [];
    for (const file of libFiles) {
      const from = layerOf(file);
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = join(file, '..', spec);
        if (!target.startsWith(join(ROOT, 'lib'))) {
          problems.push(`${relative(ROOT, file)} imports outside lib/: ${spec}`);
          continue;
        }
        const to = layerOf(target);
        if (to === from) continue;
        if ((RANK[to] ?? 99) >= (RANK[from] ?? -1) && RANK[to] !== 0) {
          problems.push(`${relative(ROOT, file)} (${from}) imports upwards or sideways: ${spec} (${to})`);
        }
        const isFolder = relative(join(ROOT, 'lib'), target).includes('/');
        if (isFolder && !CONTRACT_FILES.some((f) => target.endsWith(`/${f}`))) {
          problems.push(
            `${relative(ROOT, file)} reaches into another folder instead of its index.ts: ${spec}`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps process.env, the AWS SDK and CDK out of the domain', () => {
    const problems: string[] = [];
    for (const file of libFiles) {
      const text = readFileSync(file, 'utf8');
      const rel = relative(ROOT, file);
      if (/\bprocess\.env\b/.test(text)) problems.push(`${rel} reads process.env`);
      for (const spec of imports(file)) {
        if (spec.startsWith('@aws-sdk/') && rel !== 'lib/store/s3.ts')
          problems.push(`${rel} imports ${spec}`);
        if (spec.startsWith('aws-cdk-lib') || spec === 'constructs') problems.push(`${rel} imports ${spec}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('infra refers to functions/ by path and never imports them', () => {
    const problems = sourceFiles(join(ROOT, 'infra')).flatMap((file) =>
      imports(file)
        .filter((spec) => spec.includes('functions/') || spec.includes('/lib/'))
        .map((spec) => `${relative(ROOT, file)} imports ${spec}`),
    );
    expect(problems).toEqual([]);
  });
});
