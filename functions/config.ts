// The one module that reads process.env: validated once into a frozen config object.
import process from 'node:process';
import { type ServeSettings, serveSettingsFromEnv } from '../lib/cli/serve-options.ts';
import { type OsoSourceOptions, osoSourceOptionsFromEnv } from '../lib/source/index.ts';

/** Settings read from the environment. Entry points take what they need and fail early when it is missing. */
export interface Config {
  /** `FALLBACK_SOURCE`: where the sync job reads rules and data, e.g. `dir:/data/policy`. */
  source: string | undefined;
  /** `FALLBACK_STORE`: where snapshots live, `file:<dir>` or `s3://<bucket>/<prefix>`. */
  store: string | undefined;
  /** `FALLBACK_KEEP_SNAPSHOTS`: snapshots retention keeps. Default 10. */
  keepSnapshots: number;
  /**
   * `FALLBACK_SNAPSHOT_ENCODING`: `gzip` (default, about 3x smaller in S3) or `none`. With `none` a serving
   * node never holds a compressed copy beside the image while it loads: at 10M facts its peak RSS was
   * 695 MiB instead of 831 MiB (BENCHMARKS.md).
   */
  snapshotEncoding: 'gzip' | 'none';
  /** `oso:` source settings: `OSO_API_TOKEN`, `OSO_ENVIRONMENT`, `OSO_TENANT`, `FALLBACK_OSO_*`. */
  oso: Readonly<OsoSourceOptions>;
  /** `OSO_API_TOKEN_SECRET_ARN`: Secrets Manager secret holding the Oso API key (read at cold start). */
  osoApiTokenSecretArn: string | undefined;
  /** `AWS_ENDPOINT_URL_S3` (S3-compatible servers) and `AWS_REGION`. Defaults: AWS, us-east-1. */
  s3: Readonly<{ endpoint?: string; region?: string }>;
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number >= 1, got "${raw}"`);
  return n;
}

function encoding(raw: string | undefined): 'gzip' | 'none' {
  if (raw === undefined || raw.trim() === '') return 'gzip';
  if (raw === 'gzip' || raw === 'none') return raw;
  throw new Error(`FALLBACK_SNAPSHOT_ENCODING must be gzip or none, got "${raw}"`);
}

/** Sync settings from the environment (default `process.env`); throws naming the bad variable. */
export function readConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Readonly<Config> {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || undefined;
  const region = env.AWS_REGION || undefined;
  return Object.freeze({
    source: env.FALLBACK_SOURCE || undefined,
    store: env.FALLBACK_STORE || undefined,
    keepSnapshots: positiveInt('FALLBACK_KEEP_SNAPSHOTS', env.FALLBACK_KEEP_SNAPSHOTS, 10),
    snapshotEncoding: encoding(env.FALLBACK_SNAPSHOT_ENCODING),
    oso: Object.freeze(osoSourceOptionsFromEnv(env)),
    osoApiTokenSecretArn: env.OSO_API_TOKEN_SECRET_ARN || undefined,
    s3: Object.freeze({
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(region === undefined ? {} : { region }),
    }),
  });
}

/**
 * Serving settings (the Node server, the container and the ALB Lambda), validated once:
 *
 * | variable                         | meaning                                               | default        |
 * |----------------------------------|-------------------------------------------------------|----------------|
 * | `FALLBACK_STORE`                 | snapshot store, `file:<dir>` or `s3://bucket/prefix`  | (required)     |
 * | `PORT`                           | listen port (Node server, container)                  | 8080           |
 * | `HOST`                           | listen address                                        | 0.0.0.0        |
 * | `FALLBACK_API_KEY_HASHES`        | comma-separated sha256 hex of accepted API keys       | none: any key  |
 * | `FALLBACK_REFRESH_SECONDS`       | how often the store's pointer is polled               | 10             |
 * | `FALLBACK_MAX_STALENESS_SECONDS` | healthcheck turns 503 when the snapshot is older      | no limit       |
 * | `AWS_ENDPOINT_URL_S3`, `AWS_REGION` | S3-compatible endpoint and region                  | AWS, us-east-1 |
 * | `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE` | Lambda logs and EMF metrics  | Powertools' own |
 */
export function readServeConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Readonly<ServeSettings> {
  return Object.freeze(serveSettingsFromEnv(env, '0.0.0.0'));
}
