// The bundles the stack ships really start: synthesize with bundling (the stack's own esbuild settings),
// build a snapshot with the bundled sync, then answer ALB events with the bundled serve handler, each in a
// plain Node child process with no node_modules in reach. A missing WASM file or a bad bundle fails here.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FallbackStack } from '../../infra/fallback-stack.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'serve-bundle-'));
const store = `file:${join(work, 'store')}`;
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Imports a bundle, calls its handler with one event, prints the result; exits (timers may keep running). */
const RUNNER = `
const [bundle, event] = process.argv.slice(2);
const { handler } = await import(bundle);
const context = { functionName: 'fallback', functionVersion: '1', awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:fallback', memoryLimitInMB: '1024',
  logGroupName: 'g', logStreamName: 's', callbackWaitsForEmptyEventLoop: false, getRemainingTimeInMillis: () => 30000 };
const result = await handler(JSON.parse(event), context);
process.stdout.write('\\nRESULT ' + JSON.stringify(result) + '\\n');
process.exit(0);
`;

let bundles: { serve: string; sync: string };

/** Runs `handler(event)` of a bundle in a fresh Node process, from a directory with no node_modules. */
async function invoke(
  bundle: string,
  event: unknown,
  env: Record<string, string>,
): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [join(work, 'runner.mjs'), bundle, JSON.stringify(event)], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', ...env },
    timeout: 180_000,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line === undefined) throw new Error(`no result from ${bundle}:\n${stdout}`);
  return JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>;
}

function albEvent(method: string, path: string, body?: unknown) {
  return {
    requestContext: {
      elb: {
        targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/fb/0123456789abcdef',
      },
    },
    httpMethod: method,
    path,
    queryStringParameters: {},
    headers: {
      host: 'internal-fallback.eu-west-1.elb.amazonaws.com',
      'content-type': 'application/json',
      'x-forwarded-proto': 'http',
      'x-forwarded-for': '10.0.0.1',
    },
    body: body === undefined ? '' : JSON.stringify(body),
    isBase64Encoded: false,
  };
}

const authorize = (actor: string, action: string, project: string) => ({
  actor_type: 'User',
  actor_id: actor,
  action,
  resource_type: 'Project',
  resource_id: project,
  context_facts: [],
});

beforeAll(async () => {
  writeFileSync(join(work, 'runner.mjs'), RUNNER);
  mkdirSync(join(work, 'store'));
  const outdir = join(work, 'cdk.out');
  const app = new App({
    outdir,
    context: { 'aws:cdk:enable-asset-metadata': true, '@aws-cdk/core:validateAgainstDefaultRules': false },
  });
  new FallbackStack(app, 'Bundle');
  const template = app.synth().getStackByName('Bundle').template as {
    Resources: Record<
      string,
      {
        Type: string;
        Properties: { Environment?: { Variables: Record<string, string> } };
        Metadata?: Record<string, string>;
      }
    >;
  };
  const bundleOf = (service: string): string => {
    const fn = Object.values(template.Resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        r.Properties.Environment?.Variables.POWERTOOLS_SERVICE_NAME === service,
    );
    if (fn?.Metadata?.['aws:asset:path'] === undefined) throw new Error(`no bundled function for ${service}`);
    return join(outdir, fn.Metadata['aws:asset:path'], 'index.mjs');
  };
  bundles = { serve: bundleOf('oso-fallback-serve'), sync: bundleOf('oso-fallback-sync') };
  for (const [name, file] of Object.entries(bundles)) {
    console.log(`${name} bundle: ${(statSync(file).size / 1024).toFixed(0)} KiB (${file})`);
  }
  await invoke(bundles.sync, {}, { FALLBACK_SOURCE: `dir:${join(ROOT, 'examples')}`, FALLBACK_STORE: store });
}, 400_000);

describe('bundled serve function', () => {
  it('answers the ALB health check', async () => {
    const res = await invoke(bundles.serve, albEvent('GET', '/healthcheck'), { FALLBACK_STORE: store });
    expect(res.statusCode).toBe(200);
  }, 200_000);

  it('answers authorize from the snapshot the bundled sync built', async () => {
    const allowed = await invoke(
      bundles.serve,
      albEvent('POST', '/api/authorize', authorize('alice', 'delete', 'api')),
      {
        FALLBACK_STORE: store,
      },
    );
    expect(allowed.statusCode).toBe(200);
    expect(JSON.parse(String(allowed.body))).toEqual({ allowed: true });
    const denied = await invoke(
      bundles.serve,
      albEvent('POST', '/api/authorize', authorize('bob', 'delete', 'api')),
      {
        FALLBACK_STORE: store,
      },
    );
    expect(denied.statusCode).toBe(200);
    expect(JSON.parse(String(denied.body))).toEqual({ allowed: false });
  }, 400_000);

  it('stays small enough for a quick cold start (under 3 MiB)', () => {
    expect(statSync(bundles.serve).size).toBeLessThan(3 * 1024 * 1024);
  });
});
