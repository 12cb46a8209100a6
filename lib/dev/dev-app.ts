import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { DomainError, formatDiagnostic, isDomainError } from '../errors.ts';
import { type Logger, parseFactsQuery, statusFor } from '../http/index.ts';
import {
  parseJsonBody,
  readBatch,
  readBulk,
  readFact,
  readFactArray,
  readPattern,
  readPatternArray,
  readPolicyBody,
} from './body.ts';
import type { DevService } from './dev-service.ts';
import type { FactChange } from './fact-store.ts';

type Env = { Variables: { requestId: string } };

/** Largest write body dev mode accepts: far above the clients' 10 MiB, so scripts can bulk load. Default 512 MiB. */
export const DEV_MAX_BODY_BYTES = 512 * 1024 * 1024;

/**
 * The dev server: Oso Cloud's write API (policy, batch, legacy fact writes, clear) on top of the
 * fallback's read app, which answers everything else from the service's engine.
 */
export function createDevApp(
  service: DevService,
  readApp: { fetch: (req: Request) => Response | Promise<Response> },
  logger: Logger,
): Hono<Env> {
  const app = new Hono<Env>();
  app.onError((err, c) => renderError(err, c, logger));
  app.use('/api/*', async (c, next) => {
    c.set('requestId', c.req.header('x-request-id') || randomUUID());
    await next();
    c.res.headers.set('x-request-id', c.get('requestId'));
  });

  const body = async (c: Context<Env>) => {
    const length = Number(c.req.header('content-length') ?? '0');
    if (length > DEV_MAX_BODY_BYTES) {
      throw new DomainError('payload-too-large', `request body is larger than ${DEV_MAX_BODY_BYTES} bytes`);
    }
    return parseJsonBody(await c.req.text());
  };
  const written = (c: Context<Env>, offset: number, payload: object = { message: 'ok' }) => {
    c.header('OsoOffset', String(offset));
    return c.json(payload);
  };
  const write = async (c: Context<Env>, changes: FactChange[], payload?: object) =>
    written(c, await service.write(changes), payload);

  app.get('/api/policy', (c) => {
    c.header('OsoOffset', String(service.store.offset));
    const p = service.store.policy();
    return c.json({ policy: p === null ? null : { filename: p.filename, src: p.src } });
  });
  app.post('/api/policy', async (c) => {
    const source = readPolicyBody(await body(c));
    const outcome = await service.setPolicy(source);
    c.header('OsoOffset', String(outcome.offset));
    if (outcome.kind === 'unchanged') return c.json({ message: 'Policy unchanged' }, 202);
    return c.json({ message: 'Policy updated' }, 200);
  });
  // Served from the store, not the engine: a sync pulls whole predicates, with no result cap.
  app.get('/api/facts', (c) => {
    const q = parseFactsQuery(new URL(c.req.url).searchParams);
    c.header('OsoOffset', String(service.store.offset));
    return c.body(service.store.factsJson(q.predicate, q.args), 200, { 'content-type': 'application/json' });
  });
  app.post('/api/batch', async (c) => write(c, readBatch(await body(c))));
  app.post('/api/facts', async (c) => {
    const fact = readFact(await body(c), 'body');
    return write(c, [{ kind: 'insert', facts: [fact] }], fact);
  });
  app.delete('/api/facts', async (c) =>
    write(c, [{ kind: 'delete', patterns: [readPattern(await body(c), 'body')] }]),
  );
  app.post('/api/bulk_load', async (c) => {
    return write(c, [{ kind: 'insert', facts: readFactArray(await body(c)) }]);
  });
  app.post('/api/bulk_delete', async (c) => {
    return write(c, [{ kind: 'delete', patterns: readPatternArray(await body(c)) }]);
  });
  app.post('/api/bulk', async (c) => write(c, readBulk(await body(c))));
  app.post('/api/clear_data', async (c) => written(c, await service.clear()));
  app.post('/api/expect', (c) => c.json({ message: 'ok' }));

  app.all('*', (c) => readApp.fetch(c.req.raw));
  return app;
}

/** Oso Cloud's error bodies: `SavePolicyError` for policy problems, `{"message"}` otherwise. */
function renderError(err: Error, c: Context<Env>, logger: Logger): Response {
  if (isDomainError(err, 'policy-syntax') || isDomainError(err, 'policy-invalid')) {
    const errors = err.diagnostics.map((d) => ({ error_type: d.code, message: formatDiagnostic(d) }));
    const detail = errors.length > 0 ? errors.map((e) => e.message).join('\n') : err.message;
    return c.json({ error_type: 'Validation', message: `Policy failed validation:\n${detail}`, errors }, 400);
  }
  if (isDomainError(err, 'policy-tests-failed')) {
    const failures = (err.details?.failures as string[] | undefined) ?? [];
    return c.json({ error_type: 'TestsFailed', message: err.message, test_results: { failures } }, 400);
  }
  if (isDomainError(err)) {
    const status = statusFor(err.code);
    if (status !== undefined) return c.json({ message: err.message, code: err.code }, status);
  }
  logger.error('dev request failed', { path: c.req.path, error: err.message, stack: err.stack });
  return c.json({ message: 'internal error', code: 'internal' }, 500);
}
