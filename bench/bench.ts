// `npm run bench [-- --quick] [-- --sizes 10000,100000] [-- --encoding none]`: the whole system against its targets and against peer
// engines, one table per generated data set (deterministic seed). Heavy parts run in fresh processes.
// Writes bench/results/latest.json (+ .md, .png); a full run also writes docs/bench/latest.json and the plot.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startS3rver } from '../test/support/s3rver.ts';
import { generateDataset } from './gen/github.ts';
import { plotResults } from './lib/bench-plot.ts';
import { coldStarts, drive, requestSets, serverRss, startServer } from './lib/http-load.ts';
import { bundle, ROOT, runPart } from './lib/proc.ts';
import { peerTable, reportMarkdown, sizeLabel, sizeTable } from './lib/report.ts';
import type {
  BenchResults,
  BuildResult,
  EngineResult,
  LoadOnlyResult,
  PeerResult,
  SizeResult,
} from './lib/results.ts';

const { values: o } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    peers: { type: 'string', default: 'jsmap,casbin,cedar,oso' },
    from: { type: 'string' },
    // how the snapshot is stored: gzip (the default) or none (the serving node then never holds a
    // compressed copy beside the image while it loads, which sets the peak RSS at 10M)
    encoding: { type: 'string', default: 'gzip' },
  },
});
if (o.encoding !== 'gzip' && o.encoding !== 'none') throw new Error('--encoding must be gzip or none');
const RESULTS = join(ROOT, 'bench', 'results');
const DOCS = join(ROOT, 'docs', 'bench');
mkdirSync(RESULTS, { recursive: true });

if (o.from !== undefined) {
  // Re-renders the Markdown and the plot of a stored run (e.g. docs/bench/latest.json) next to it.
  const res = JSON.parse(readFileSync(o.from, 'utf8')) as BenchResults;
  writeFileSync(join(dirname(o.from), 'latest.md'), reportMarkdown(res.sizes));
  writeFileSync(join(dirname(o.from), 'latency-memory.png'), plotResults(res));
  process.exit(0);
}

const quick = o.quick;
const S = quick
  ? {
      engineChecks: 1000,
      budgetMs: 4000,
      peerChecks: 1000,
      peerTimed: 3000,
      osoTimed: 500,
      httpSeconds: 2,
      coldRuns: 1,
    }
  : {
      engineChecks: 10000,
      budgetMs: 15000,
      peerChecks: 2000,
      peerTimed: 20000,
      osoTimed: 2000,
      httpSeconds: 6,
      coldRuns: 3,
    };
const SIZES = (o.sizes ?? (quick ? '10000,100000' : '10000,100000,1000000,5000000')).split(',').map(Number);
const PEERS = o.peers.split(',').filter((p) => p !== '');
const WORK = join(ROOT, '.data', 'bench');
const load1 = () => loadavg().map((v) => Math.round(v * 100) / 100);
const cpu = cpus()[0]?.model ?? 'unknown';
const results: BenchResults = {
  date: new Date().toISOString(),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  quick,
  machine: {
    nproc: cpus().length,
    cpu,
    ramGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverageStart: load1(),
  },
  settings: { ...S, seed: 1, checkSeed: 7, connections: 16 },
  sizes: [],
};
console.log(
  `bench ${quick ? '--quick ' : ''}sizes ${SIZES.map(sizeLabel).join(', ')} on ${results.machine.nproc} x ${cpu}, ` +
    `${results.machine.ramGiB} GiB, node ${process.version}; load average ${results.machine.loadAverageStart.join(' ')}`,
);

rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
const [serverJs, lambdaJs] = await Promise.all([
  bundle('functions/server.ts', join(WORK, 'server.mjs')),
  bundle('functions/serve-lambda.ts', join(WORK, 'serve-lambda.mjs')),
]);
const s3 = await startS3rver(['bench-bucket']);
const saveJson = () => writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);

async function step<T>(r: SizeResult, what: string, fn: () => Promise<T>): Promise<T | undefined> {
  const t0 = performance.now();
  try {
    const v = await fn();
    process.stderr.write(
      `  ${sizeLabel(r.facts)} ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    return v;
  } catch (e) {
    r.errors.push(`${what}: ${(e as Error).message.split('\n')[0]}`);
    process.stderr.write(`  ${sizeLabel(r.facts)} ${what} FAILED: ${(e as Error).message}\n`);
    return undefined;
  }
}

try {
  for (const facts of SIZES) {
    const r: SizeResult = { facts, loadAverage: { start: load1(), end: [] }, peers: {}, errors: [] };
    results.sizes.push(r);
    const work = join(WORK, String(facts));
    mkdirSync(work, { recursive: true });
    const fileUrl = `file:${join(work, 'store')}`;
    const n = String(facts);
    r.build = await step(r, 'build', () =>
      runPart<BuildResult>('build', [
        '--facts',
        n,
        '--work',
        work,
        '--s3',
        s3.endpoint,
        '--peer-checks',
        String(S.peerChecks),
        '--encoding',
        o.encoding,
      ]),
    );
    if (r.build === undefined) continue;
    r.engine = await step(r, 'engine', () =>
      runPart<EngineResult>('serve', [
        '--store',
        fileUrl,
        '--facts',
        n,
        '--work',
        work,
        '--checks',
        String(S.engineChecks),
        '--budget-ms',
        String(S.budgetMs),
        '--measure',
      ]),
    );
    r.s3Load = await step(r, 's3 load', () =>
      runPart<LoadOnlyResult>('serve', ['--store', `s3://bench-bucket/${facts}`, '--s3', s3.endpoint]),
    );
    r.http = await step(r, 'http', async () => {
      const server = await startServer(serverJs, fileUrl);
      try {
        // the reading at the first healthy answer can catch a transient of 5-10 MiB that is gone within
        // 20 ms (sampled every 10 ms at 1M); the node at rest is read once it has settled
        const rssFirstHealthyMiB = serverRss(server).rss;
        await new Promise((r) => setTimeout(r, 1000));
        const rssReadyMiB = serverRss(server).rss;
        const sample = generateDataset({ facts, seed: 1 }).sampleChecks(2000, 7);
        const sets = requestSets(sample);
        const repoOnly = requestSets(sample.filter((c) => c.resource.type === 'Repository')).authorize;
        await drive(server.url, sets.authorize.slice(0, 200), 1, 16);
        const authorize = await drive(server.url, sets.authorize, S.httpSeconds, 16);
        const authorizeRepository = await drive(server.url, repoOnly, S.httpSeconds, 16);
        const mix = await drive(server.url, sets.mix, S.httpSeconds, 16);
        const after = serverRss(server);
        return {
          readySeconds: server.readySeconds,
          rssFirstHealthyMiB,
          rssReadyMiB,
          authorize,
          authorizeRepository,
          mix,
          rssAfterMiB: after.rss,
          peakMiB: after.peak,
        };
      } finally {
        server.stop();
      }
    });
    r.cold = await step(r, 'cold start', () =>
      coldStarts(
        lambdaJs,
        fileUrl,
        generateDataset({ facts, seed: 1 }).sampleChecks(2, 7)[1]!,
        S.coldRuns,
        work,
      ),
    );
    if (r.engine !== undefined) {
      for (const peer of ['null', ...PEERS]) {
        const timed = String(peer === 'oso' ? S.osoTimed : S.peerTimed);
        const p = await step(r, `peer ${peer}`, () =>
          runPart<PeerResult>('peer', ['--peer', peer, '--facts', n, '--work', work, '--timed', timed]),
        );
        r.peers[peer] = p ?? { error: r.errors[r.errors.length - 1] ?? 'failed' };
      }
    }
    r.loadAverage.end = load1();
    console.log(
      `\n## ${sizeLabel(facts)} facts (${facts.toLocaleString('en-US')}); load average ${r.loadAverage.start.join(' ')} -> ${r.loadAverage.end.join(' ')}\n`,
    );
    console.log(sizeTable(r));
    console.log(`\n### Peers at ${sizeLabel(facts)}\n`);
    console.log(peerTable(r));
    saveJson();
    rmSync(join(work, 'store'), { recursive: true, force: true });
  }
} finally {
  await s3.stop();
}

saveJson();
const md = reportMarkdown(results.sizes);
writeFileSync(join(RESULTS, 'latest.md'), md);
const png = plotResults(results);
writeFileSync(join(RESULTS, 'latency-memory.png'), png);
if (!quick) {
  mkdirSync(DOCS, { recursive: true });
  writeFileSync(join(DOCS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(DOCS, 'latency-memory.png'), png);
  writeFileSync(join(DOCS, 'latest.md'), md);
}
console.log(
  `\nwrote ${join(RESULTS, 'latest.json')}${quick ? '' : ` and ${join(DOCS, 'latest.json')}, ${join(DOCS, 'latency-memory.png')}`}`,
);
if (results.sizes.some((r) => r.errors.length > 0)) process.exitCode = 1;
