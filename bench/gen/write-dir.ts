// Streams a generated data set to a folder in the `dir:` source format (policy + JSONL facts).
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DatasetOptions, type DatasetStats, generateDataset } from './github.ts';

/** Options of `writeDatasetDir`: the data set options plus the JSONL file size. */
export interface WriteDirOptions extends DatasetOptions {
  /** Facts per JSONL file; default 1_000_000. */
  factsPerFile?: number;
}

/**
 * Writes `policy.polar` and `facts/NNNN.jsonl` (one Oso wire fact per line) under `dir`, streaming
 * with backpressure so memory stays flat. Returns the data set's stats.
 */
export async function writeDatasetDir(dir: string, opts: WriteDirOptions): Promise<DatasetStats> {
  const ds = generateDataset(opts);
  const perFile = opts.factsPerFile ?? 1_000_000;
  await mkdir(join(dir, 'facts'), { recursive: true });
  await writeFile(join(dir, 'policy.polar'), ds.policy);
  let out: ReturnType<typeof createWriteStream> | undefined;
  let inFile = 0;
  let files = 0;
  const close = async () => {
    if (!out) return;
    out.end();
    await once(out, 'finish');
    out = undefined;
  };
  for (const f of ds.facts) {
    if (!out || inFile === perFile) {
      await close();
      out = createWriteStream(join(dir, 'facts', `${String(files++).padStart(4, '0')}.jsonl`));
      inFile = 0;
    }
    inFile++;
    if (!out.write(`${JSON.stringify(f)}\n`)) await once(out, 'drain');
  }
  await close();
  return ds.stats;
}
