// Bench part (own process): writes the generated data set as a dir: source, syncs it into a file: store
// (the sync job: read, check, test, build, publish), copies it into the S3 store, writes the peer checks.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSqlJs } from '../../lib/engine/index.ts';
import { openSource } from '../../lib/source/index.ts';
import { openStore } from '../../lib/store/index.ts';
import { runSync } from '../../lib/sync/index.ts';
import { S3RVER_CREDENTIALS } from '../../test/support/s3rver.ts';
import { generateDataset, writeDatasetDir } from '../gen/github.ts';
import { emitResult } from '../lib/proc.ts';
import { publishSnapshot, timed } from '../lib/snapshot-io.ts';
import { groupGrantedRepos, type PeerCheck, type RepoAction } from '../peers/model.ts';

const { values: o } = parseArgs({
  options: {
    facts: { type: 'string' },
    seed: { type: 'string', default: '1' },
    work: { type: 'string' },
    s3: { type: 'string' },
    'peer-checks': { type: 'string', default: '2000' },
    encoding: { type: 'string', default: 'gzip' },
  },
});
if (o.encoding !== 'gzip' && o.encoding !== 'none') throw new Error('--encoding must be gzip or none');
const encoding: 'gzip' | 'none' = o.encoding;
const facts = Number(o.facts);
const seed = Number(o.seed);
const work = o.work!;
const src = join(work, 'src');

const [, genMs] = await timed(() => writeDatasetDir(src, { facts, seed, factsPerFile: 500_000 }));
const fileStore = openStore(`file:${join(work, 'store')}`);
const sql = await loadSqlJs();
const [summary, syncMs] = await timed(() =>
  runSync({ source: openSource(`dir:${src}`), store: fileStore, sql, encoding }),
);
const syncRss = process.memoryUsage().rss / 2 ** 20;
rmSync(src, { recursive: true, force: true });

const snap = await fileStore.getSnapshot(summary.id);
// without --s3 (bench:engine) there is no upload
const uploadMs =
  o.s3 === undefined
    ? 0
    : await publishSnapshot(
        openStore(`s3://bench-bucket/${facts}`, { endpoint: o.s3, credentials: S3RVER_CREDENTIALS }),
        snap.manifest,
        snap.body,
      );

// Peers express only repository checks; a repository on which a group holds a role depends on nested groups.
const ds = generateDataset({ facts, seed });
const grouped = groupGrantedRepos(ds.facts);
const sample = ds.sampleChecks(Number(o['peer-checks']) * 2, 7);
const repoChecks = sample.filter(
  (c) => c.resource.type === 'Repository' && ['read', 'push', 'delete'].includes(c.action),
);
const peerChecks: PeerCheck[] = repoChecks
  .filter((c) => !grouped.has(c.resource.id))
  .slice(0, Number(o['peer-checks']))
  .map((c) => ({ actor: c.actor.id, action: c.action as RepoAction, repo: c.resource.id }));
writeFileSync(join(work, 'peer-checks.json'), JSON.stringify(peerChecks));

emitResult({
  facts: summary.facts,
  stats: ds.stats,
  genSeconds: genMs / 1000,
  syncSeconds: syncMs / 1000,
  syncRssMiB: syncRss,
  storedBytes: summary.bytes,
  rawBytes: snap.manifest.rawSize,
  encoding: snap.manifest.encoding,
  uploadSeconds: uploadMs / 1000,
  peerSample: {
    sampled: sample.length,
    repository: repoChecks.length,
    groupDependent: repoChecks.length - repoChecks.filter((c) => !grouped.has(c.resource.id)).length,
    kept: peerChecks.length,
  },
});
