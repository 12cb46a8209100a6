// HTTP figures: the bundled Node server in its own process driven by autocannon over loopback, and the cold
// start of the bundled Lambda handler (fresh process to first answer, snapshot load included).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { SampleCheck } from '../gen/github.ts';
import { freePort, procRssMiB, ROOT, until } from './proc.ts';

/** A running bench server. */
export interface RunningServer {
  url: string;
  pid: number;
  readySeconds: number;
  stop(): void;
}

/** autocannon figures of one run. */
export interface LoadResult {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  failed: number;
}

async function healthStatus(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/healthcheck`)).status;
  } catch {
    return 0;
  }
}

/**
 * What the deployed server's environment adds (the Dockerfile and the Lambda function set it): a fixed, low
 * mmap threshold, so glibc maps blocks of 32 KiB or more on their own and gives them back when freed: the
 * buffers of a load or a replaced snapshot, and the scratch memory V8's threads use to compile sql.js, which
 * otherwise stays in glibc's per-thread heaps. 1M server right after load: 126-128 MiB on every start with
 * 32768; 127-145 MiB with 131072; 155-190 MiB without (4 starts each, .data/pf/srvmem2.sh).
 */
export const DEPLOYED_ENV = {
  MALLOC_MMAP_THRESHOLD_: '32768',
  // semi-spaces of at most 4 MiB (the Dockerfile's and the Lambda function's flag): after the load tests a 1M
  // server held 137.5 MiB instead of 162-170, at the same throughput (6 rounds each, autocannon)
  NODE_OPTIONS: '--max-semi-space-size=4',
} as const;

/** Starts the bundled server on a free port serving `storeUrl`; resolves once /healthcheck is 200. */
export async function startServer(serverJs: string, storeUrl: string): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [serverJs], {
    env: { ...process.env, ...DEPLOYED_ENV, FALLBACK_STORE: storeUrl, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<never>((_, fail) =>
    child.on('exit', (code) => fail(new Error(`server exited ${code}`))),
  );
  await Promise.race([
    until('the server to load its snapshot', async () => (await healthStatus(url)) === 200),
    exited,
  ]);
  return {
    url,
    pid: child.pid!,
    readySeconds: (performance.now() - t0) / 1000,
    stop: () => child.kill('SIGTERM'),
  };
}

const post = (path: string, body: unknown) => ({
  method: 'POST',
  path,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Request bodies: authorize only, and the fixed mix 80/10/10 authorize/list/actions (list pages of 10,000). */
export function requestSets(checks: SampleCheck[]) {
  const actor = (c: SampleCheck) => ({ actor_type: c.actor.type, actor_id: c.actor.id });
  const authorize = checks.map((c) =>
    post('/api/authorize', {
      ...actor(c),
      action: c.action,
      resource_type: c.resource.type,
      resource_id: c.resource.id,
      context_facts: [],
    }),
  );
  const mix = checks.map((c, i) => {
    if (i % 10 === 1)
      return post('/api/list', {
        ...actor(c),
        action: c.action,
        resource_type: c.resource.type,
        context_facts: [],
        page_size: 10000,
      });
    if (i % 10 === 2)
      return post('/api/actions', {
        ...actor(c),
        resource_type: c.resource.type,
        resource_id: c.resource.id,
        context_facts: [],
      });
    return authorize[i]!;
  });
  return { authorize, mix };
}

/** One autocannon run of `seconds` with `connections` connections cycling through `requests`. */
export async function drive(
  url: string,
  requests: ReturnType<typeof post>[],
  seconds: number,
  connections: number,
): Promise<LoadResult> {
  const r = await autocannon({ url, connections, duration: seconds, requests });
  return {
    reqPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    ok: r['2xx'],
    failed: r.errors + r.timeouts + r.non2xx,
  };
}

/** RSS of the server process now and at its peak (MiB). */
export const serverRss = (s: RunningServer) => procRssMiB(s.pid);

/**
 * Cold starts of the Lambda bundle: each run is a fresh `node` importing the bundle, loading the snapshot from
 * `storeUrl` and answering one ALB authorize event for `check`. Returns seconds per run and the first answer.
 */
export async function coldStarts(
  lambdaJs: string,
  storeUrl: string,
  check: SampleCheck,
  runs: number,
  workDir: string,
): Promise<{ seconds: number[]; answer: string }> {
  const event = JSON.parse(
    readFileSync(join(ROOT, 'test', 'fixtures', 'alb', 'authorize-headers.json'), 'utf8'),
  );
  event.headers.authorization = undefined;
  event.body = JSON.stringify({
    actor_type: check.actor.type,
    actor_id: check.actor.id,
    action: check.action,
    resource_type: check.resource.type,
    resource_id: check.resource.id,
    context_facts: [],
  });
  event.headers['content-length'] = String(Buffer.byteLength(event.body));
  const runner = join(workDir, 'cold-start.mjs');
  writeFileSync(
    runner,
    `const { handler } = await import(${JSON.stringify(lambdaJs)});
const res = await handler(${JSON.stringify(event)}, { awsRequestId: 'bench' });
process.stderr.write('ANSWER ' + res.statusCode + ' ' + res.body + '\\n');\n`,
  );
  const seconds: number[] = [];
  let answer = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    answer = await new Promise<string>((ok, fail) => {
      const p = spawn(process.execPath, [runner], {
        env: {
          ...process.env,
          ...DEPLOYED_ENV,
          FALLBACK_STORE: storeUrl,
          POWERTOOLS_METRICS_NAMESPACE: 'Bench',
          POWERTOOLS_LOG_LEVEL: 'ERROR',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      p.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /ANSWER .*/.exec(err);
        if (m !== null) {
          ok(m[0]);
          p.kill();
        }
      });
      p.on('exit', (code) => fail(new Error(`cold start runner exited ${code}: ${err.slice(-1000)}`)));
    });
    seconds.push((performance.now() - t0) / 1000);
  }
  return { seconds, answer };
}
