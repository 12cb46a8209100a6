// The container / plain Node entry point: environment -> Node server on PORT (8080); SIGTERM drains and exits.
import process from 'node:process';
import { serveWith } from '../lib/cli/serve-command.ts';
import { readServeConfig } from './config.ts';

const settings = readServeConfig();
if (settings.store === undefined) {
  process.stderr.write('FALLBACK_STORE is required, e.g. s3://bucket/prefix or file:/data/snapshots\n');
  process.exit(2);
}
// The environment also carries the upstream key (OSO_API_TOKEN) for a self-syncing node (FALLBACK_SOURCE).
await serveWith({ ...settings, store: settings.store }, process.env);
