// A sync child process for the kill tests: `tsx test/support/killable-sync.ts <source-dir> <store-url> [endpoint]`.
// With PAUSE_AT=before-upload|after-upload it prints `@paused <phase>` and waits there to be killed; it always
// prints `@phase <name>` as it goes. The store and sync are the real ones; only the pause is added.
import process from 'node:process';
import { openSource } from '../../lib/source/index.ts';
import { openStore, type SnapshotStore } from '../../lib/store/index.ts';
import { runSync } from '../../lib/sync/index.ts';

const [dir, storeUrl, endpoint] = process.argv.slice(2);
const pauseAt = process.env.PAUSE_AT;
const real = openStore(storeUrl!, {
  ...(endpoint === undefined ? {} : { endpoint }),
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
});

async function phase(name: string): Promise<void> {
  process.stdout.write(`@phase ${name}\n`);
  if (pauseAt !== name) return;
  process.stdout.write(`@paused ${name}\n`);
  await new Promise(() => setInterval(() => undefined, 1000));
}

const store: SnapshotStore = {
  location: real.location,
  readPointer: (etag) => real.readPointer(etag),
  getSnapshot: (id) => real.getSnapshot(id),
  listSnapshots: () => real.listSnapshots(),
  deleteSnapshot: (id) => real.deleteSnapshot(id),
  async putSnapshot(manifest, body) {
    await phase('before-upload');
    await real.putSnapshot(manifest, body);
    await phase('after-upload');
  },
  async writePointer(pointer, etag) {
    const out = await real.writePointer(pointer, etag);
    await phase('after-pointer');
    return out;
  },
};

const summary = await runSync({ source: openSource(`dir:${dir}`), store, encoding: 'none' });
process.stdout.write(`@done ${summary.published ? 'published' : 'unchanged'} ${summary.id}\n`);
(real as { destroy?: () => void }).destroy?.();
