// Bench part (own process): builds one peer engine from the generated facts, checks that it agrees with our
// engine's answers on the peer checks, then times it. A peer that disagrees is not timed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateDataset } from '../gen/github.ts';
import { emitResult } from '../lib/proc.ts';
import { latency, rssAfterGcMiB, timeEach, timeEachAsync } from '../lib/stats.ts';
import { buildCasbin } from '../peers/casbin.ts';
import { buildCedar } from '../peers/cedar.ts';
import { buildJsMap } from '../peers/jsmap.ts';
import { type Peer, type PeerCheck, type RepoFact, repoFacts } from '../peers/model.ts';
import { buildOso } from '../peers/oso.ts';

const BUILDERS: Record<string, (f: Iterable<RepoFact>) => Peer | Promise<Peer>> = {
  jsmap: buildJsMap,
  casbin: buildCasbin,
  cedar: buildCedar,
  oso: buildOso,
  null: (f) => {
    let n = 0;
    for (const _ of f) n++;
    return { facts: n, check: () => false };
  },
};

const { values: o } = parseArgs({
  options: {
    peer: { type: 'string' },
    facts: { type: 'string' },
    work: { type: 'string' },
    agree: { type: 'string', default: '1000' },
    timed: { type: 'string', default: '20000' },
  },
});
const name = o.peer!;
const rssStart = rssAfterGcMiB();
const t0 = performance.now();
const peer = await BUILDERS[name]!(repoFacts(generateDataset({ facts: Number(o.facts), seed: 1 }).facts));
const buildSeconds = (performance.now() - t0) / 1000;
const rssLoad = rssAfterGcMiB();
const checks = JSON.parse(readFileSync(join(o.work!, 'peer-checks.json'), 'utf8')) as PeerCheck[];
const ours = JSON.parse(readFileSync(join(o.work!, 'peer-answers.json'), 'utf8')) as boolean[];

const base = { peer: name, facts: peer.facts, buildSeconds, rssStartMiB: rssStart, rssLoadMiB: rssLoad };
if (name === 'null') {
  emitResult(base);
  process.exit(0);
}
const agreeN = Math.min(Number(o.agree), checks.length);
const mismatches: { check: PeerCheck; ours: boolean; peer: boolean }[] = [];
for (let i = 0; i < agreeN; i++) {
  const got = await peer.check(checks[i]!);
  if (got !== ours[i]) mismatches.push({ check: checks[i]!, ours: ours[i]!, peer: got });
}
if (mismatches.length > 0) {
  emitResult({
    ...base,
    agreed: false,
    compared: agreeN,
    mismatchCount: mismatches.length,
    mismatches: mismatches.slice(0, 5),
  });
  process.exit(0);
}
const n = Math.min(Number(o.timed), checks.length);
const isAsync = peer.check(checks[0]!) instanceof Promise;
const samples: number[] = [];
const passes = Math.max(1, Math.ceil(Number(o.timed) / checks.length));
for (let p = 0; p < passes && samples.length < Number(o.timed); p++) {
  // Awaiting a synchronous answer would time the microtask queue, not the peer.
  if (isAsync) samples.push(...(await timeEachAsync(n, async (i) => peer.check(checks[i]!))));
  else samples.push(...timeEach(n, (i) => peer.check(checks[i]!)));
}
emitResult({
  ...base,
  agreed: true,
  compared: agreeN,
  authorize: latency(samples),
  rssAfterMiB: rssAfterGcMiB(),
});
