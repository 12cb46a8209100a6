// The real thing: `npx cdk synth` as a user runs it on a fresh clone, offline, without AWS credentials,
// with bundling (esbuild really bundles both functions) and the cdk-nag checks of infra/app.ts.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'cdk-synth-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The environment of a machine with no AWS account configured at all. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: join(out, 'no-credentials'),
    AWS_CONFIG_FILE: join(out, 'no-config'),
    CDK_DISABLE_CLI_TELEMETRY: 'true',
  };
}

describe('npx cdk synth', () => {
  it('synthesizes the default stack offline, bundling both functions with the local esbuild', async () => {
    const started = Date.now();
    const { stdout, stderr } = await run('npx', ['cdk', 'synth', '--no-notices', '--quiet', '-o', out], {
      cwd: ROOT,
      env: offlineEnv(),
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(`cdk synth took ${seconds.toFixed(1)} s`);
    expect(`${stdout}${stderr}`).not.toMatch(/docker/i);

    const template = JSON.parse(readFileSync(join(out, 'OsoFallback.template.json'), 'utf8')) as {
      Resources: Record<
        string,
        { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }
      >;
      Outputs: Record<string, unknown>;
    };
    const types = new Set(Object.values(template.Resources).map((r) => r.Type));
    for (const t of [
      'AWS::S3::Bucket',
      'AWS::Lambda::Function',
      'AWS::Events::Rule',
      'AWS::CloudWatch::Dashboard',
    ]) {
      expect(types).toContain(t);
    }
    expect(Object.keys(template.Outputs)).toEqual(
      expect.arrayContaining(['FallbackUrl', 'BucketName', 'DashboardUrl']),
    );
    // Each function's asset directory holds one bundled ESM file (plus its source map).
    const fns = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(fns).toHaveLength(2);
    for (const fn of fns) {
      const assetPath = fn.Metadata?.['aws:asset:path'];
      expect(assetPath).toBeDefined();
      const bundle = join(out, String(assetPath), 'index.mjs');
      expect(existsSync(bundle), bundle).toBe(true);
      console.log(`${String(assetPath)}: index.mjs ${(statSync(bundle).size / 1024).toFixed(0)} KiB`);
    }
  }, 320_000);
});
