import { DomainError } from '../errors.ts';
import type { Fact, Policy } from '../polar/ast.ts';
import type { OsoClient, OsoClientEvent } from './oso-client.ts';

/** One `GET /api/facts` partition: a predicate, its arity and a type (or `null`, any) per argument. */
export interface FactPartition {
  predicate: string;
  types: (string | null)[];
}

/** Everything pulled from the upstream in one consistent read. */
export interface OsoPullResult {
  sources: { filename: string; src: string }[];
  policy: Policy;
  facts: Fact[];
  /** The upstream's `OsoOffset` at the start of the read, when it reports one. */
  upstreamVersion: string | undefined;
  /** `GET /api/facts` requests made in the last read. */
  requests: number;
}

export interface OsoPullOptions {
  /**
   * The most facts the upstream returns in one response, when it caps them. A response with at least
   * this many facts fails the pull as possibly truncated. Default: no cap known.
   */
  responseLimit?: number;
  /** Partitions fetched at once. Default 4. */
  concurrency?: number;
  /** Extra whole reads when the upstream's offset moved during a read. Default 2. */
  consistencyRetries?: number;
  /** Type combinations per signature before positions are widened to "any type". Default 64. */
  maxCombinations?: number;
  onEvent?: (event: OsoClientEvent) => void;
}

/**
 * The partitions to pull for a policy: every signature's argument-type combinations, with patterns
 * that another pattern covers removed. Sorted, so pulls are deterministic.
 */
export function factPartitions(policy: Policy, maxCombinations = 64): FactPartition[] {
  const all: FactPartition[] = [];
  for (const sig of policy.signatures) {
    const choices = sig.argTypes.map((types) => (types.length === 0 ? [null] : [...new Set(types)]));
    // Widen the position with the most types until the product is small enough.
    while (choices.reduce((n, c) => n * c.length, 1) > maxCombinations) {
      const widest = choices.reduce((best, c, i) => (c.length > choices[best]!.length ? i : best), 0);
      choices[widest] = [null];
    }
    let combos: (string | null)[][] = [[]];
    for (const c of choices) combos = combos.flatMap((prefix) => c.map((t) => [...prefix, t]));
    for (const types of combos) all.push({ predicate: sig.predicate, types });
  }
  const key = (p: FactPartition) => `${p.predicate}\u0000${p.types.map((t) => t ?? '\u0001').join('\u0000')}`;
  const unique = [...new Map(all.map((p) => [key(p), p])).values()];
  const kept = unique.filter((p) => !unique.some((q) => q !== p && covers(q, p)));
  return kept.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** True when every fact matching `b` also matches `a`. */
function covers(a: FactPartition, b: FactPartition): boolean {
  if (a.predicate !== b.predicate || a.types.length !== b.types.length) return false;
  return a.types.every((t, i) => t === null || t === b.types[i]);
}

function overlaps(a: FactPartition, b: FactPartition): boolean {
  if (a.predicate !== b.predicate || a.types.length !== b.types.length) return false;
  return a.types.every((t, i) => t === null || b.types[i] === null || t === b.types[i]);
}

/** The `GET /api/facts` query for a partition. */
export function partitionParams(p: FactPartition): Record<string, string> {
  const params: Record<string, string> = { predicate: p.predicate };
  p.types.forEach((t, i) => {
    if (t !== null) params[`args.${i}.type`] = t;
  });
  return params;
}

/**
 * Pulls the policy and every fact it can use. Repeats the read when the upstream reports that its data
 * moved meanwhile; throws `DomainError` on any failure (the caller publishes nothing).
 */
export async function pullFromOso(
  client: OsoClient,
  parse: (sources: { filename: string; src: string }[]) => Policy,
  options: OsoPullOptions = {},
): Promise<OsoPullResult> {
  const retries = options.consistencyRetries ?? 2;
  for (let attempt = 0; ; attempt++) {
    const read = await readOnce(client, parse, options);
    const moved = read.offsets.size > 1;
    if (!moved || attempt >= retries) {
      if (moved) {
        options.onEvent?.({
          level: 'warn',
          message: 'upstream data changed during the read; keeping it, the next sync catches up',
          fields: { offsets: [...read.offsets] },
        });
      }
      return read.result;
    }
    options.onEvent?.({
      level: 'info',
      message: 'upstream data changed during the read, reading again',
      fields: { offsets: [...read.offsets], attempt: attempt + 1 },
    });
  }
}

async function readOnce(
  client: OsoClient,
  parse: (sources: { filename: string; src: string }[]) => Policy,
  options: OsoPullOptions,
): Promise<{ result: OsoPullResult; offsets: Set<string> }> {
  const offsets = new Set<string>();
  const policyRes = await client.get('/policy');
  if (policyRes.offset !== undefined) offsets.add(policyRes.offset);
  const sources = [readPolicyBody(policyRes.body, policyRes.requestId)];
  const policy = parse(sources);
  const partitions = factPartitions(policy, options.maxCombinations);
  const plan = requestPlan(partitions);
  const chunks: Fact[][] = new Array(partitions.length);
  let next = 0;
  const worker = async () => {
    while (next < plan.length) {
      const { query, serves } = plan[next++]!;
      const res = await client.get('/facts', partitionParams(query));
      if (res.offset !== undefined) offsets.add(res.offset);
      const body = readFactArray(res.body, query, res.requestId, options.responseLimit);
      for (const i of serves) chunks[i] = keep(body, partitions[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  const facts = dedupe(partitions, chunks);
  const upstreamVersion = policyRes.offset;
  return { result: { sources, policy, facts, upstreamVersion, requests: plan.length }, offsets };
}

function readPolicyBody(body: unknown, requestId: string): { filename: string; src: string } {
  const policy = (body as { policy?: unknown } | null)?.policy;
  if (policy === null) {
    throw new DomainError('source-invalid', `upstream has no policy yet (request id ${requestId})`);
  }
  const src = (policy as { src?: unknown } | undefined)?.src;
  if (typeof src !== 'string') {
    throw new DomainError(
      'source-invalid',
      `upstream policy answer has no "policy.src" (request id ${requestId})`,
    );
  }
  const filename = (policy as { filename?: unknown }).filename;
  return { filename: typeof filename === 'string' && filename !== '' ? filename : 'policy.polar', src };
}

/**
 * One request per partition that no other partition's request covers: `p(User, String)` asks only for the
 * first two argument types, so its answer also holds every `p(User, String, _)` fact, and those
 * partitions are filtered out of it instead of being fetched twice.
 */
export function requestPlan(partitions: FactPartition[]): { query: FactPartition; serves: number[] }[] {
  const asks = (q: FactPartition, p: FactPartition) =>
    q.predicate === p.predicate &&
    q.types.length <= p.types.length &&
    q.types.every((t, i) => t === null || t === p.types[i]);
  // Equal queries (e.g. `p(A)` and `p(A, _)`): the earlier partition asks.
  const askedBy = (p: number) =>
    partitions.findIndex((q, j) => j !== p && asks(q, partitions[p]!) && (!asks(partitions[p]!, q) || j < p));
  const roots = partitions.map((_, i) => i).filter((i) => askedBy(i) === -1);
  return roots.map((r) => ({
    query: partitions[r]!,
    serves: partitions
      .map((_, i) => i)
      .filter((i) => asks(partitions[r]!, partitions[i]!) && (i === r || !roots.includes(i))),
  }));
}

/** Validates one `GET /api/facts` answer: an array of well-formed facts, not possibly truncated. */
function readFactArray(
  body: unknown,
  p: FactPartition,
  requestId: string,
  limit: number | undefined,
): Fact[] {
  const where = `${p.predicate}(${p.types.map((t) => t ?? '_').join(', ')}) (request id ${requestId})`;
  if (!Array.isArray(body)) {
    throw new DomainError('source-invalid', `upstream facts answer is not an array for ${where}`);
  }
  if (limit !== undefined && body.length >= limit) {
    throw new DomainError(
      'source-invalid',
      `upstream returned ${body.length} facts for ${where}, its response limit: the answer may be truncated`,
    );
  }
  for (const item of body as unknown[]) {
    if (!isFact(item as Fact)) {
      throw new DomainError(
        'source-invalid',
        `malformed fact ${JSON.stringify(item)?.slice(0, 200)} for ${where}`,
      );
    }
  }
  return body as Fact[];
}

/** The facts of an answer that belong to a partition (the upstream may also ignore filters it does not know). */
function keep(facts: Fact[], p: FactPartition): Fact[] {
  return facts.filter(
    (f) =>
      f.predicate === p.predicate &&
      f.args.length === p.types.length &&
      p.types.every((t, i) => t === null || f.args[i]!.type === t),
  );
}

function isFact(f: Fact): boolean {
  if (typeof f !== 'object' || f === null || typeof f.predicate !== 'string' || !Array.isArray(f.args)) {
    return false;
  }
  return f.args.every(
    (a) =>
      typeof a === 'object' &&
      a !== null &&
      typeof a.type === 'string' &&
      a.type !== '' &&
      typeof a.id === 'string',
  );
}

/** Concatenates partitions; removes duplicates only where two partitions can overlap. */
function dedupe(partitions: FactPartition[], chunks: Fact[][]): Fact[] {
  const facts: Fact[] = [];
  partitions.forEach((p, i) => {
    const chunk = chunks[i]!;
    const shared = partitions.some((q, j) => j !== i && overlaps(p, q));
    if (!shared) {
      for (const f of chunk) facts.push(f);
      return;
    }
    const seen = new Set<string>();
    for (const q of partitions.slice(0, i)) {
      if (!overlaps(p, q)) continue;
      for (const f of chunks[partitions.indexOf(q)]!) seen.add(factKey(f));
    }
    for (const f of chunk) if (!seen.has(factKey(f))) facts.push(f);
  });
  return facts;
}

function factKey(f: Fact): string {
  return JSON.stringify([f.predicate, ...f.args.map((a) => [a.type, a.id])]);
}
