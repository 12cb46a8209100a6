// `npm run bench:engine [-- --sizes 100000,1000000] [--checks 10000] [--reuse]`: the engine alone on the
// GitHub-like data set (users, orgs, repos, issues, nested folders, nested groups, public flags). For each size,
// a fresh process syncs the generated facts into a file: store, then another loads the snapshot and times
// authorize, actions, list and evaluate_query against an integer point lookup on the same database (the floor).
// --reuse keeps the snapshot of an earlier run in .data/bench-engine/<size> (same code, same schema).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, runPart } from './lib/proc.ts';
import { sizeLabel, sizeTable } from './lib/report.ts';
import type { BuildResult, EngineResult, SizeResult } from './lib/results.ts';

const { values: o } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    checks: { type: 'string', default: '10000' },
    'budget-ms': { type: 'string', default: '15000' },
    reuse: { type: 'boolean', default: false },
  },
});
const WORK = join(ROOT, '.data', 'bench-engine');
const load = () => loadavg().map((v) => v.toFixed(2));
console.log(
  `bench:engine on ${cpus().length} x ${cpus()[0]?.model ?? 'unknown'}, node ${process.version}; load average ${load().join(' ')}`,
);
const out: SizeResult[] = [];
for (const facts of o.sizes.split(',').map(Number)) {
  const work = join(WORK, String(facts));
  const r: SizeResult = { facts, loadAverage: { start: loadavg(), end: [] }, peers: {}, errors: [] };
  const store = join(work, 'store');
  if (!(o.reuse && existsSync(join(work, 'peer-checks.json')))) {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    r.build = await runPart<BuildResult>('build', ['--facts', String(facts), '--work', work]);
  }
  r.engine = await runPart<EngineResult>('serve', [
    '--store',
    `file:${store}`,
    '--facts',
    String(facts),
    '--work',
    work,
    '--checks',
    o.checks,
    '--budget-ms',
    o['budget-ms'],
    '--measure',
  ]);
  r.loadAverage.end = loadavg();
  out.push(r);
  console.log(`\n## ${sizeLabel(facts)} facts; load average ${load().join(' ')}\n`);
  // the engine rows of the full report (the rest of it needs the HTTP and S3 parts)
  console.log(
    sizeTable(r)
      .split('\n')
      .filter(
        (l) =>
          !l.startsWith('| ') ||
          l.startsWith('| engine') ||
          l.startsWith('| area') ||
          l.startsWith('| build') ||
          l.startsWith('| ---'),
      )
      .join('\n'),
  );
  console.log(
    `\nengine process RSS after the run (tsx loader, workload in memory): ${r.engine.rssAfterMiB.toFixed(0)} MiB; ` +
      `snapshot load ${(r.engine.downloadSeconds + r.engine.openSeconds).toFixed(2)} s`,
  );
}
writeFileSync(join(WORK, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
