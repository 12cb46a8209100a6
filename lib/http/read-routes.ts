/** The GET routes that read stored data: facts, policy metadata and the policy text. */
import type { ValuePattern } from '../engine/types.ts';
import { DomainError } from '../errors.ts';
import type { Limits } from './check-routes.ts';
import type { ServingSnapshot } from './types.ts';
import { MAX_FACT_ARITY } from './validate.ts';

export type ReadHandler = (query: URLSearchParams, snapshot: ServingSnapshot, limits: Limits) => unknown;

const ARG_PARAM = /^args\.(\d+)\.(type|id)$/;

function bad(message: string, field: string): DomainError {
  return new DomainError('bad-request', message, { details: { field } });
}

/**
 * Parses `predicate`, `args.N.type` and `args.N.id`. A missing predicate is a 400 rather than "all
 * facts": the Node client drops the query string when it falls back, and answering its narrow
 * question with unrelated facts could grant access the caller never had.
 */
export function parseFactsQuery(query: URLSearchParams): { predicate: string; args: ValuePattern[] } {
  const predicate = query.get('predicate');
  if (predicate === null || predicate === '') {
    throw bad(
      'missing query parameter "predicate": GET /api/facts needs ?predicate=<name> (the oso-cloud node client drops it when it falls back, so oso.get() cannot be answered by a fallback)',
      'predicate',
    );
  }
  const args: ValuePattern[] = [];
  for (const [key, raw] of query) {
    if (key === 'predicate') continue;
    const m = ARG_PARAM.exec(key);
    if (m === null) throw bad(`unknown query parameter "${key}"`, key);
    const index = Number(m[1]);
    if (index >= MAX_FACT_ARITY)
      throw bad(`invalid query parameter "${key}": facts have at most ${MAX_FACT_ARITY} arguments`, key);
    if (raw === '') throw bad(`invalid query parameter "${key}": expected a non-empty string`, key);
    while (args.length <= index) args.push({ type: null, id: null });
    const slot = args[index]!;
    if (m[2] === 'type') slot.type = raw;
    else slot.id = raw;
  }
  args.forEach((a, i) => {
    if (a.id !== null && a.type === null)
      throw bad(`query parameter "args.${i}.id" needs "args.${i}.type"`, `args.${i}.type`);
  });
  return { predicate, args };
}

const facts: ReadHandler = (query, snapshot, limits) => {
  const pattern = parseFactsQuery(query);
  // Ask for one more than the bound so a truncated answer is refused instead of returned silently.
  const found = snapshot.engine.getFacts(pattern, limits.maxFacts + 1);
  if (found.length > limits.maxFacts) {
    throw new DomainError(
      'query-too-expensive',
      `facts match more than the limit of ${limits.maxFacts}: narrow the query`,
    );
  }
  return found;
};

const policyMetadata: ReadHandler = (_query, snapshot) => snapshot.engine.policyMetadata();

const policy: ReadHandler = (_query, snapshot) => {
  const sources = snapshot.policy?.sources ?? [];
  if (sources.length === 0) return { policy: null };
  const only = sources.length === 1 ? sources[0]! : null;
  return {
    policy: {
      filename: only === null || only.filename === '' ? null : only.filename,
      src: sources.map((s) => s.src).join('\n'),
    },
  };
};

/** GET routes answered from the snapshot, by path. */
export const READ_ROUTES: Readonly<Record<string, ReadHandler>> = {
  '/api/facts': facts,
  '/api/policy_metadata': policyMetadata,
  '/api/policy': policy,
};
