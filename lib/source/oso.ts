import { DomainError } from '../errors.ts';
import { parsePolicy } from '../polar/index.ts';
import { keyEnvironment, OsoClient, type OsoClientEvent } from './oso-client.ts';
import { pullFromOso } from './oso-pull.ts';
import type { Source, SourceData, SourcedFact } from './types.ts';

/** Settings of the `oso:<base-url>` source (see {@link osoSourceOptionsFromEnv} for the variables). */
export interface OsoSourceOptions {
  /** The environment's API key; a read-only key is enough. Required. */
  apiKey: string | undefined;
  /** Oso's environment and tenant ids: logged for parity with Oso's node, never required. */
  environment?: string | undefined;
  tenant?: string | undefined;
  /** Time allowed per request, body included. Default 60_000 ms. */
  timeoutMs?: number | undefined;
  /** Retries per request on 429, 5xx and network errors. Default 5. */
  retries?: number | undefined;
  /** A response with at least this many facts fails as possibly truncated. Default: none. */
  responseLimit?: number | undefined;
  /** Partitions fetched at once. Default 4. */
  concurrency?: number | undefined;
  /** Receives retries and warnings. Default: discarded. */
  onEvent?: ((event: OsoClientEvent) => void) | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

function positive(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new DomainError('bad-request', `${name} must be a number >= 0, got "${raw}"`);
  return n;
}

/**
 * Reads the source's settings from an environment object (the caller passes the real one):
 * `OSO_API_TOKEN` (required), `OSO_ENVIRONMENT`, `OSO_TENANT`, `FALLBACK_OSO_TIMEOUT_SECONDS` (60),
 * `FALLBACK_OSO_RETRIES` (5), `FALLBACK_OSO_RESPONSE_LIMIT` (none), `FALLBACK_OSO_CONCURRENCY` (4).
 */
export function osoSourceOptionsFromEnv(env: Env): OsoSourceOptions {
  const timeout = positive(env, 'FALLBACK_OSO_TIMEOUT_SECONDS');
  return {
    apiKey: env.OSO_API_TOKEN,
    environment: env.OSO_ENVIRONMENT || undefined,
    tenant: env.OSO_TENANT || undefined,
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    retries: positive(env, 'FALLBACK_OSO_RETRIES'),
    responseLimit: positive(env, 'FALLBACK_OSO_RESPONSE_LIMIT'),
    concurrency: positive(env, 'FALLBACK_OSO_CONCURRENCY'),
  };
}

/**
 * The `oso:<base-url>` source: any server that speaks the Oso Cloud API (Oso Cloud itself, or
 * `fallback dev`). Reads `GET /api/policy`, then every fact the policy can use with `GET /api/facts`,
 * one request per predicate and argument-type combination. Holds one read in memory; any failure throws.
 */
export class OsoSource implements Source {
  readonly description: string;
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly options: OsoSourceOptions,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.description = `oso:${this.baseUrl}`;
  }

  async read(): Promise<SourceData> {
    const { apiKey, onEvent } = this.options;
    if (apiKey === undefined || apiKey.trim() === '') {
      throw new DomainError(
        'upstream-auth',
        `no api key for ${this.description}: set OSO_API_TOKEN (a read-only key is enough)`,
      );
    }
    onEvent?.({
      level: 'info',
      message: 'pulling from oso upstream',
      fields: {
        upstream: this.baseUrl,
        keyEnvironment: keyEnvironment(apiKey),
        environment: this.options.environment,
        tenant: this.options.tenant,
      },
    });
    const client = new OsoClient({
      baseUrl: this.baseUrl,
      apiKey,
      ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
      ...(this.options.retries === undefined ? {} : { retries: this.options.retries }),
      ...(onEvent === undefined ? {} : { onEvent }),
    });
    const result = await pullFromOso(client, parsePolicy, {
      ...(this.options.responseLimit === undefined ? {} : { responseLimit: this.options.responseLimit }),
      ...(this.options.concurrency === undefined ? {} : { concurrency: this.options.concurrency }),
      ...(onEvent === undefined ? {} : { onEvent }),
    });
    onEvent?.({
      level: 'info',
      message: 'pulled from oso upstream',
      fields: {
        facts: result.facts.length,
        requests: result.requests,
        upstreamVersion: result.upstreamVersion,
      },
    });
    const origin = { file: `${this.description}/api/facts`, line: 0 };
    const facts = result.facts;
    async function* stream(): AsyncGenerator<SourcedFact> {
      for (const fact of facts) yield { fact, origin };
    }
    return {
      policy: result.sources,
      facts: stream(),
      ...(result.upstreamVersion === undefined ? {} : { upstreamVersion: result.upstreamVersion }),
    };
  }
}
