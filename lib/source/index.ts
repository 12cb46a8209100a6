// Upstream sources of rules and data, chosen by URL.
import { DomainError } from '../errors.ts';
import { DirSource } from './dir.ts';
import { OsoSource, type OsoSourceOptions } from './oso.ts';
import type { Source } from './types.ts';

export { DirSource } from './dir.ts';
export { OsoSource, type OsoSourceOptions, osoSourceOptionsFromEnv } from './oso.ts';
export { keyEnvironment, OsoClient, type OsoClientEvent, type OsoClientOptions } from './oso-client.ts';
export { type FactPartition, factPartitions, type OsoPullOptions, pullFromOso } from './oso-pull.ts';
export { collectPolarFiles } from './polar-files.ts';
export type { FactOrigin, Source, SourceData, SourcedFact, SourcePolicyFile } from './types.ts';
export { parseWireFact } from './wire-fact.ts';

/** Settings some sources need besides their URL (read from the environment by `functions/`). */
export interface SourceOptions {
  /** API key for sources that authenticate (e.g. an Oso Cloud key). Default: none. */
  apiKey?: string;
  /** Settings of `oso:` sources (`osoSourceOptionsFromEnv(env)`); `apiKey` above wins. Default: none. */
  oso?: OsoSourceOptions;
}

/** Builds a source from the part of its URL after `<scheme>:`. */
export type SourceFactory = (rest: string, options: SourceOptions) => Source;

/** Known URL schemes; add one entry per new kind of source. */
export const SOURCE_FACTORIES: Readonly<Record<string, SourceFactory>> = {
  dir: (rest) => new DirSource(rest),
  // `oso:<base-url>`: any Oso Cloud-compatible API; without a key it fails on read, naming OSO_API_TOKEN.
  oso: (rest, options) =>
    new OsoSource(rest, { ...options.oso, apiKey: options.apiKey ?? options.oso?.apiKey }),
};

/** Opens a source from a URL such as `dir:examples`. An unknown scheme is `DomainError('bad-request')`. */
export function openSource(
  url: string,
  options: SourceOptions = {},
  factories: Readonly<Record<string, SourceFactory>> = SOURCE_FACTORIES,
): Source {
  const colon = url.indexOf(':');
  const scheme = url.slice(0, Math.max(colon, 0));
  const factory = colon > 0 && Object.hasOwn(factories, scheme) ? factories[scheme] : undefined;
  const rest = url.slice(colon + 1);
  if (factory === undefined || rest === '') {
    throw new DomainError(
      'bad-request',
      `unsupported source url "${url}": use ${Object.keys(factories)
        .map((s) => `${s}:<...>`)
        .join(' or ')}`,
    );
  }
  return factory(rest, options);
}
