// Shapes of the figures each bench part reports and of bench/results/latest.json.
import type { DatasetStats } from '../gen/github.ts';
import type { PeerCheck } from '../peers/model.ts';
import type { LoadResult } from './http-load.ts';
import type { Latency } from './stats.ts';

/** bench/parts/build.ts */
export interface BuildResult {
  facts: number;
  stats: DatasetStats;
  genSeconds: number;
  syncSeconds: number;
  syncRssMiB: number;
  storedBytes: number;
  rawBytes: number;
  encoding: string;
  uploadSeconds: number;
  peerSample: { sampled: number; repository: number; groupDependent: number; kept: number };
}

/** bench/parts/serve.ts without --measure */
export interface LoadOnlyResult {
  downloadSeconds: number;
  openSeconds: number;
  rssStartMiB: number;
  rssLoadMiB: number;
}

/**
 * List latency; the call with the most ids (absent in runs before it was recorded).
 * `maxIdsUs`: the median of 5 timings of the call with the most ids, after its timing among the others
 * (`maxIdsFirstUs`; runs before the median was taken recorded only that one, as `maxIdsUs`).
 */
export type ListFigures = Latency & {
  meanIds: number;
  maxIds?: number;
  maxIdsUs?: number;
  maxIdsFirstUs?: number;
};

/** bench/parts/serve.ts --measure */
export interface EngineResult extends LoadOnlyResult {
  checks: number;
  /** Checks answered in the untimed verification pass (bounded by the time budget). */
  verified: number;
  wrongKnownAnswers: number;
  allowed: number;
  floor: Latency;
  authorize: Latency;
  authorizeByType: Record<string, Latency>;
  authorizePeerSubset: Latency;
  actions: Latency;
  listRepository: ListFigures;
  listIssuePage: ListFigures;
  query: Latency;
  rssAfterMiB: number;
  facts: number;
}

/** bench/parts/peer.ts */
export interface PeerResult {
  peer: string;
  facts: number;
  buildSeconds: number;
  rssStartMiB: number;
  rssLoadMiB: number;
  agreed?: boolean;
  compared?: number;
  mismatchCount?: number;
  mismatches?: { check: PeerCheck; ours: boolean; peer: boolean }[];
  authorize?: Latency;
  rssAfterMiB?: number;
}

/** Everything measured at one data-set size. */
export interface SizeResult {
  facts: number;
  loadAverage: { start: number[]; end: number[] };
  build?: BuildResult;
  engine?: EngineResult;
  s3Load?: LoadOnlyResult;
  http?: {
    readySeconds: number;
    /** RSS when /healthcheck first answered 200 (absent in runs before it was recorded). */
    rssFirstHealthyMiB?: number;
    /** RSS 1 s later, settled (runs before `rssFirstHealthyMiB` existed read it at the first answer). */
    rssReadyMiB: number;
    authorize: LoadResult;
    authorizeRepository: LoadResult;
    mix: LoadResult;
    rssAfterMiB: number;
    peakMiB: number;
  };
  cold?: { seconds: number[]; answer: string };
  peers: Record<string, PeerResult | { error: string }>;
  errors: string[];
}

/** bench/results/latest.json */
export interface BenchResults {
  date: string;
  command: string;
  quick: boolean;
  machine: { nproc: number; cpu: string; ramGiB: number; node: string; loadAverageStart: number[] };
  settings: Record<string, number | string>;
  sizes: SizeResult[];
}
