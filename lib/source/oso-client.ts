import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors.ts';

/** One line of what the upstream client did, for the caller's logger. */
export interface OsoClientEvent {
  level: 'info' | 'warn';
  message: string;
  fields: Record<string, unknown>;
}

/** How to reach an Oso Cloud-compatible API. */
export interface OsoClientOptions {
  /** Base URL without `/api`, e.g. `https://cloud.osohq.com`. */
  baseUrl: string;
  /** The environment's API key (a read-only key is enough); sent as a Bearer token, never logged. */
  apiKey: string;
  /** Time allowed for one attempt, response body included. Default 60_000 ms. */
  timeoutMs?: number;
  /** Attempts after the first one on 429, 5xx and network errors. Default 5. */
  retries?: number;
  /** First backoff delay; doubled per attempt, with full jitter. Default 250 ms. */
  backoffMs?: number;
  /** Largest backoff delay between attempts. Default 30_000 ms. */
  maxDelayMs?: number;
  /** Longest `Retry-After` waited for; a longer one fails the request at once. Default 120_000 ms. */
  maxRetryAfterMs?: number;
  /** Default `oso-fallback-serverless/<version> (nodejs <version>)`. */
  userAgent?: string;
  /** Receives retries and warnings; default: discarded. */
  onEvent?: (event: OsoClientEvent) => void;
  /** Injectable for tests; defaults: `setTimeout` and `Math.random`. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** A parsed JSON answer plus the headers the sync cares about. */
export interface OsoResponse {
  body: unknown;
  requestId: string;
  /** The `OsoOffset` header, when the upstream sent one. */
  offset: string | undefined;
}

/** The version this project reports in its User-Agent. */
export const CLIENT_VERSION = '0.1.0';

const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);

/** The environment part of an Oso API key (`e_<env>_<token>_<secret>`), safe to print. */
export function keyEnvironment(apiKey: string): string {
  const m = /^e_([^_]+)_/.exec(apiKey.trim());
  return m?.[1] ?? 'unknown (key is not in the e_<environment>_... form)';
}

/** Parses `Retry-After` (seconds, fractional allowed, or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A small HTTP client that talks to the Oso API the way Oso's own clients do, with retries. */
export class OsoClient {
  readonly baseUrl: string;
  private readonly opts: Required<Omit<OsoClientOptions, 'onEvent'>> & Pick<OsoClientOptions, 'onEvent'>;

  constructor(options: OsoClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (cause) {
      throw new DomainError('source-invalid', `invalid upstream url "${options.baseUrl}"`, { cause });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new DomainError('source-invalid', `upstream url must be http or https: "${options.baseUrl}"`);
    }
    if (options.apiKey.trim() === '') {
      throw new DomainError('upstream-auth', 'no api key for the upstream (set OSO_API_TOKEN)');
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.opts = {
      timeoutMs: 60_000,
      retries: 5,
      backoffMs: 250,
      maxDelayMs: 30_000,
      maxRetryAfterMs: 120_000,
      userAgent: `oso-fallback-serverless/${CLIENT_VERSION} (nodejs ${process.version})`,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      ...options,
      apiKey: options.apiKey.trim(),
    };
  }

  /** GET `/api<path>` with query params; retries transient failures, throws `DomainError` otherwise. */
  async get(path: string, params: Record<string, string> = {}): Promise<OsoResponse> {
    const query = new URLSearchParams(params).toString();
    const url = `${this.baseUrl}/api${path}${query === '' ? '' : `?${query}`}`;
    const requestId = randomUUID();
    const { retries } = this.opts;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(url, requestId);
      if (outcome.kind === 'ok') return { body: outcome.body, requestId, offset: outcome.offset };
      const where = `GET ${path}${query === '' ? '' : `?${query}`} (request id ${requestId})`;
      if (outcome.kind === 'fatal') throw outcome.error(where);
      const retryAfter = outcome.retryAfterMs ?? 0;
      if (attempt >= retries || retryAfter > this.opts.maxRetryAfterMs) {
        const late =
          retryAfter > this.opts.maxRetryAfterMs ? ` (asked to retry after ${retryAfter / 1000} s)` : '';
        throw new DomainError(
          'source-unavailable',
          `upstream failed after ${attempt + 1} attempts${late}: ${outcome.reason}: ${where}`,
          { details: { requestId }, cause: outcome.cause },
        );
      }
      const backoff = Math.min(this.opts.maxDelayMs, this.opts.backoffMs * 2 ** attempt);
      const jittered = backoff * this.opts.random();
      // Retry-After is honoured as asked (never shortened); only the backoff is capped.
      const delay = Math.max(jittered, retryAfter);
      this.opts.onEvent?.({
        level: 'warn',
        message: 'upstream request failed, retrying',
        fields: { reason: outcome.reason, path, requestId, attempt: attempt + 1, delayMs: Math.round(delay) },
      });
      await this.opts.sleep(delay);
    }
  }

  private headers(requestId: string): Record<string, string> {
    return {
      Authorization: `Bearer ${this.opts.apiKey}`,
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': this.opts.userAgent,
      'X-OsoApiVersion': '0',
      'X-Request-ID': requestId,
    };
  }

  private async attempt(url: string, requestId: string): Promise<Outcome> {
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        headers: this.headers(requestId),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      text = await res.text();
    } catch (cause) {
      const reason = isTimeout(cause) ? `timed out after ${this.opts.timeoutMs} ms` : networkReason(cause);
      return { kind: 'retry', reason, cause };
    }
    const status = res.status;
    if (status === 401 || status === 403) {
      const env = keyEnvironment(this.opts.apiKey);
      return fatal('upstream-auth', `upstream refused the api key for environment ${env} (${status})`);
    }
    if (RETRY_STATUSES.has(status)) {
      return {
        kind: 'retry',
        reason: `status ${status} ${errorMessage(text)}`.trim(),
        retryAfterMs: parseRetryAfter(res.headers.get('Retry-After')),
      };
    }
    if (status < 200 || status >= 300) {
      return fatal('source-invalid', `upstream answered ${status} ${errorMessage(text)}`.trim());
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // A 2xx that is not JSON means the URL is not an Oso API (a web page, a proxy): retrying will not help.
      return fatal('source-invalid', `upstream answered with non-JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
    return { kind: 'ok', body, offset: res.headers.get('OsoOffset') ?? undefined };
  }
}

type Outcome =
  | { kind: 'ok'; body: unknown; offset: string | undefined }
  | { kind: 'retry'; reason: string; retryAfterMs?: number | undefined; cause?: unknown }
  | { kind: 'fatal'; error: (where: string) => DomainError };

function fatal(code: 'upstream-auth' | 'source-invalid', message: string): Outcome {
  return { kind: 'fatal', error: (where) => new DomainError(code, `${message}: ${where}`) };
}

function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return JSON.stringify(parsed.message);
  } catch {
    // not JSON: show the start of the raw text
  }
  return JSON.stringify(text.slice(0, 80));
}

function isTimeout(e: unknown): boolean {
  return e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
}

function networkReason(e: unknown): string {
  const cause = e instanceof Error ? (e.cause as { code?: string } | undefined) : undefined;
  if (cause?.code !== undefined) return `network error ${cause.code}`;
  return `network error ${e instanceof Error ? e.message : String(e)}`;
}
