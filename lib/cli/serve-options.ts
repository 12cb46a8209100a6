/**
 * Serving settings from environment variables and flags. Pure: the caller passes the environment
 * (functions/config.ts passes the process environment), so lib/ never reads it itself.
 *
 * | variable                         | flag                      | default          |
 * |----------------------------------|---------------------------|------------------|
 * | `FALLBACK_STORE`                 | `--store <url>`           | (required)       |
 * | `PORT`                           | `--port <n>`              | 8080             |
 * | `HOST`                           | `--host <addr>`           | 127.0.0.1 (CLI), 0.0.0.0 (container) |
 * | `FALLBACK_API_KEY_HASHES`        | `--api-key-hash <hex>`    | none: any key    |
 * | `FALLBACK_REFRESH_SECONDS`       | `--refresh-seconds <n>`   | 10               |
 * | `FALLBACK_MAX_STALENESS_SECONDS` | `--max-staleness-seconds` | none             |
 * | `AWS_ENDPOINT_URL_S3`            | `--s3-endpoint <url>`     | AWS              |
 * | `AWS_REGION`                     |                           | us-east-1        |
 * | `FALLBACK_SOURCE`                | `--source <url>`          | none: serve only; with one, the node syncs itself |
 * | `FALLBACK_SYNC_SECONDS`          | `--sync-seconds <n>`      | 60               |
 */
import { DomainError } from '../errors.ts';
import type { HttpConfig } from '../http/index.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export interface ServeSettings {
  store: string | undefined;
  port: number;
  host: string;
  refreshIntervalMs: number;
  http: HttpConfig;
  s3: { endpoint?: string; region?: string };
  /** Upstream to sync from in-process (`oso:<url>`, `dir:<path>`); none: serve only. */
  source?: string | undefined;
  /** Time between in-process syncs. Default 60,000 ms. */
  syncIntervalMs?: number;
}

function number(
  name: string,
  raw: string | undefined,
  fallback: number | undefined,
  min = 0,
): number | undefined {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) {
    throw new DomainError('bad-request', `${name} must be a number >= ${min}, got "${raw}"`);
  }
  return n;
}

/** Comma- or space-separated sha256 hex digests. */
export function parseKeyHashes(raw: string | undefined): string[] {
  const hashes = (raw ?? '').split(/[\s,]+/).filter((h) => h !== '');
  for (const h of hashes) {
    if (!/^[0-9a-fA-F]{64}$/.test(h)) {
      throw new DomainError(
        'bad-request',
        `FALLBACK_API_KEY_HASHES entries must be sha256 hex (64 digits), got "${h.slice(0, 8)}..."`,
      );
    }
  }
  return hashes.map((h) => h.toLowerCase());
}

/** Reads the serving settings from the environment; `defaultHost` differs between CLI and container. */
export function serveSettingsFromEnv(env: Env, defaultHost = '127.0.0.1'): ServeSettings {
  const staleness = number(
    'FALLBACK_MAX_STALENESS_SECONDS',
    env.FALLBACK_MAX_STALENESS_SECONDS,
    undefined,
    1,
  );
  return {
    store: env.FALLBACK_STORE || undefined,
    port: number('PORT', env.PORT, 8080)!,
    host: env.HOST || defaultHost,
    refreshIntervalMs: number('FALLBACK_REFRESH_SECONDS', env.FALLBACK_REFRESH_SECONDS, 10, 0.01)! * 1000,
    http: {
      apiKeyHashes: parseKeyHashes(env.FALLBACK_API_KEY_HASHES),
      ...(staleness === undefined ? {} : { maxStalenessMs: staleness * 1000 }),
    },
    s3: { endpoint: env.AWS_ENDPOINT_URL_S3 || undefined, region: env.AWS_REGION || undefined },
    source: env.FALLBACK_SOURCE || undefined,
    syncIntervalMs: number('FALLBACK_SYNC_SECONDS', env.FALLBACK_SYNC_SECONDS, 60, 0.01)! * 1000,
  };
}

/** Applies `--flag value` overrides on top of env settings; unknown flags are an error. */
export function applyServeFlags(base: ServeSettings, argv: readonly string[]): ServeSettings {
  const s: ServeSettings = { ...base, http: { ...base.http }, s3: { ...base.s3 } };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i]!;
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--'))
      throw new DomainError('bad-request', `flag ${flag} needs a value`);
    switch (flag) {
      case '--store':
        s.store = value;
        break;
      case '--port':
        s.port = number('--port', value, 8080)!;
        break;
      case '--host':
        s.host = value;
        break;
      case '--refresh-seconds':
        s.refreshIntervalMs = number('--refresh-seconds', value, 10, 0.01)! * 1000;
        break;
      case '--max-staleness-seconds':
        s.http.maxStalenessMs = number('--max-staleness-seconds', value, undefined, 1)! * 1000;
        break;
      case '--api-key-hash':
        s.http.apiKeyHashes = [...(s.http.apiKeyHashes ?? []), ...parseKeyHashes(value)];
        break;
      case '--s3-endpoint':
        s.s3.endpoint = value;
        break;
      case '--source':
        s.source = value;
        break;
      case '--sync-seconds':
        s.syncIntervalMs = number('--sync-seconds', value, 60, 0.01)! * 1000;
        break;
      default:
        throw new DomainError('bad-request', `unknown flag "${flag}"`);
    }
  }
  return s;
}
