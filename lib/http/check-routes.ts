/**
 * The Check API: one synchronous handler per route, from a parsed JSON body to the response body.
 * Handlers validate first and then call the engine without awaiting, so a request always runs to
 * completion on the engine it grabbed, even when a refresh swaps snapshots meanwhile.
 */
import type { Engine, EvaluateQueryRequest } from '../engine/types.ts';
import { DomainError } from '../errors.ts';
import type { Fact } from '../polar/ast.ts';
import * as v from './validate.ts';

/** The resolved limits a handler applies. */
export interface Limits {
  maxPageSize: number;
  maxFacts: number;
  maxQueryRows: number;
  maxContextFacts: number;
  maxBatchItems: number;
}

export type CheckHandler = (body: unknown, engine: Engine, limits: Limits) => unknown;

function tooMany(what: string, limit: number): DomainError {
  return new DomainError(
    'query-too-expensive',
    `${what} match more than the limit of ${limit}: narrow the query`,
    {
      details: { limit },
    },
  );
}

function actor(o: Record<string, unknown>) {
  return { type: v.str(o, 'actor_type'), id: v.str(o, 'actor_id') };
}

const authorize: CheckHandler = (body, engine, limits) => {
  const o = v.object(body);
  const req = {
    actor: actor(o),
    action: v.str(o, 'action'),
    resource: { type: v.str(o, 'resource_type'), id: v.str(o, 'resource_id') },
    contextFacts: v.contextFacts(o, limits.maxContextFacts),
  };
  return { allowed: engine.authorize(req) };
};

const authorizeResources: CheckHandler = (body, engine, limits) => {
  const o = v.object(body);
  const req = {
    actor: actor(o),
    action: v.str(o, 'action'),
    resources: v
      .array(o.resources, 'resources', limits.maxBatchItems)
      .map((r, i) => v.value(r, `resources[${i}]`)),
    contextFacts: v.contextFacts(o, limits.maxContextFacts),
  };
  return { results: engine.authorizeResources(req) };
};

const list: CheckHandler = (body, engine, limits) => {
  const o = v.object(body);
  const req = {
    actor: actor(o),
    action: v.str(o, 'action'),
    resourceType: v.str(o, 'resource_type'),
    contextFacts: v.contextFacts(o, limits.maxContextFacts),
    // Oso Cloud demands page_size >= 10,000; we accept any positive size and cap it at our page limit.
    limit: Math.min(v.optionalPositiveInt(o, 'page_size') ?? limits.maxPageSize, limits.maxPageSize),
    pageToken: v.optionalString(o, 'page_token'),
  };
  const page = engine.list(req);
  return { results: page.results, next_page_token: page.nextPageToken };
};

function actionsQuery(o: Record<string, unknown>, shared: Fact[], limits: Limits) {
  return {
    actor: actor(o),
    resource: { type: v.str(o, 'resource_type'), id: v.str(o, 'resource_id') },
    contextFacts: [...shared, ...v.contextFacts(o, limits.maxContextFacts)],
  };
}

const actions: CheckHandler = (body, engine, limits) => ({
  results: engine.actions(actionsQuery(v.object(body), [], limits)),
});

const bulkActions: CheckHandler = (body, engine, limits) => {
  const items = v.array(body, 'body', limits.maxBatchItems).map((item, i) => v.object(item, `[${i}]`));
  // The v1 clients send the context facts once, on the first query; they apply to the whole batch.
  const shared = items[0] === undefined ? [] : v.contextFacts(items[0], limits.maxContextFacts);
  const queries = items.map((o, i) => actionsQuery(o, i === 0 ? [] : shared, limits));
  return queries.map((q) => ({ results: engine.actions(q) }));
};

function call(x: unknown, field: string): [string, string[]] {
  const pair = v.array(x, field);
  if (pair.length !== 2 || typeof pair[0] !== 'string' || pair[0].length === 0) {
    throw new DomainError('bad-request', `invalid field "${field}": expected ["predicate", ["var", ...]]`, {
      details: { field },
    });
  }
  return [pair[0], v.strings(pair[1], `${field}[1]`)];
}

/** Parses and checks an `evaluate_query` body: every variable used must have a constraint. */
export function parseQuery(body: unknown, limits: Limits): EvaluateQueryRequest {
  const o = v.object(body);
  const predicate = call(o.predicate, 'predicate');
  const calls = v.array(o.calls ?? [], 'calls').map((c, i) => call(c, `calls[${i}]`));
  const constraints: EvaluateQueryRequest['constraints'] = {};
  for (const [name, raw] of Object.entries(v.object(o.constraints, 'constraints'))) {
    const field = `constraints.${name}`;
    const c = v.object(raw, field);
    const ids = c.ids === null || c.ids === undefined ? null : v.strings(c.ids, `${field}.ids`);
    constraints[name] = { type: v.str(c, 'type', `${field}.`), ids };
  }
  for (const [pred, vars] of [predicate, ...calls]) {
    for (const name of vars) {
      if (constraints[name] === undefined) {
        throw new DomainError(
          'bad-request',
          `variable "${name}" of "${pred}" has no entry in "constraints"`,
          {
            details: { field: 'constraints' },
          },
        );
      }
    }
  }
  return { predicate, calls, constraints, contextFacts: v.contextFacts(o, limits.maxContextFacts) };
}

const evaluateQuery: CheckHandler = (body, engine, limits) => {
  const req = parseQuery(body, limits);
  const rows = engine.evaluateQuery({ ...req, limit: limits.maxQueryRows + 1 });
  if (rows.length > limits.maxQueryRows) throw tooMany('query results', limits.maxQueryRows);
  return { results: rows };
};

const queryV1: CheckHandler = (body, engine, limits) => {
  const o = v.object(body);
  const pattern = v.factPattern(o.fact, 'fact');
  const results = engine.queryFacts(pattern, v.contextFacts(o, limits.maxContextFacts));
  if (results.length > limits.maxFacts) throw tooMany('facts', limits.maxFacts);
  return { results };
};

/** POST routes of the Check API, by path. */
export const CHECK_ROUTES: Readonly<Record<string, CheckHandler>> = {
  '/api/authorize': authorize,
  '/api/authorize_resources': authorizeResources,
  '/api/list': list,
  '/api/actions': actions,
  '/api/bulk_actions': bulkActions,
  '/api/evaluate_query': evaluateQuery,
  '/api/query': queryV1,
};
