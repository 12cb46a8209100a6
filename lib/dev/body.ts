/** Parsers for the write API's request bodies; each throws `DomainError('bad-request')` naming the field. */
import type { FactPattern, ValuePattern } from '../engine/types.ts';
import { DomainError } from '../errors.ts';
import type { Fact, Value } from '../polar/ast.ts';
import { type FactChange, MAX_ARITY } from './fact-store.ts';

function fail(field: string, expected: string, got: unknown): never {
  const shown = JSON.stringify(got) ?? String(got);
  throw new DomainError(
    'bad-request',
    `invalid field "${field}": expected ${expected}, got ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}`,
    { details: { field } },
  );
}

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'an object', v);
  return v as Record<string, unknown>;
}

function list(v: unknown, field: string): unknown[] {
  if (!Array.isArray(v)) fail(field, 'an array', v);
  return v;
}

/** Parses JSON text; malformed text is a 400. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError(
      'bad-request',
      `request body is not valid json: ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') fail(field, 'a non-empty string', v);
  return v;
}

function argList(v: unknown, field: string): unknown[] {
  const args = list(v, field);
  if (args.length < 1 || args.length > MAX_ARITY) fail(field, `1 to ${MAX_ARITY} arguments`, v);
  return args;
}

/** A concrete fact `{predicate, args: [{type, id}]}`. */
export function readFact(v: unknown, field: string): Fact {
  const o = obj(v, field);
  const args = argList(o.args, `${field}.args`).map((a, i): Value => {
    const ao = obj(a, `${field}.args[${i}]`);
    return { type: str(ao.type, `${field}.args[${i}].type`), id: str(ao.id, `${field}.args[${i}].id`) };
  });
  return { predicate: str(o.predicate, `${field}.predicate`), args };
}

/** A fact pattern: `null` (or `{}`) arguments, types or ids are wildcards. */
export function readPattern(v: unknown, field: string): FactPattern {
  const o = obj(v, field);
  const args = argList(o.args, `${field}.args`).map((a, i): ValuePattern => {
    if (a === null) return { type: null, id: null };
    const ao = obj(a, `${field}.args[${i}]`);
    const type = ao.type === null || ao.type === undefined ? null : str(ao.type, `${field}.args[${i}].type`);
    const id = ao.id === null || ao.id === undefined ? null : str(ao.id, `${field}.args[${i}].id`);
    if (type === null && id !== null) fail(`${field}.args[${i}].type`, 'a type when an id is given', null);
    return { type, id };
  });
  return { predicate: str(o.predicate, `${field}.predicate`), args };
}

/** `POST /api/batch`: `[{"inserts": [...]}, {"deletes": [...]}, ...]`, applied in order. */
export function readBatch(v: unknown): FactChange[] {
  return list(v, 'body').map((item, i): FactChange => {
    const o = obj(item, `[${i}]`);
    if ('inserts' in o && !('deletes' in o)) {
      return {
        kind: 'insert',
        facts: list(o.inserts, `[${i}].inserts`).map((f, j) => readFact(f, `[${i}].inserts[${j}]`)),
      };
    }
    if ('deletes' in o && !('inserts' in o)) {
      return {
        kind: 'delete',
        patterns: list(o.deletes, `[${i}].deletes`).map((f, j) => readPattern(f, `[${i}].deletes[${j}]`)),
      };
    }
    return fail(`[${i}]`, 'either {"inserts": [...]} or {"deletes": [...]}', item);
  });
}

/** `POST /api/bulk_load`: a JSON array of facts. */
export function readFactArray(v: unknown): Fact[] {
  return list(v, 'body').map((f, i) => readFact(f, `[${i}]`));
}

/** `POST /api/bulk_delete`: a JSON array of fact patterns. */
export function readPatternArray(v: unknown): FactPattern[] {
  return list(v, 'body').map((f, i) => readPattern(f, `[${i}]`));
}

/** `POST /api/bulk`: `{"delete": [...], "tell": [...]}`, deletes first. */
export function readBulk(v: unknown): FactChange[] {
  const o = obj(v, 'body');
  const deletes = o.delete === undefined || o.delete === null ? [] : list(o.delete, 'delete');
  const tells = o.tell === undefined || o.tell === null ? [] : list(o.tell, 'tell');
  return [
    { kind: 'delete', patterns: deletes.map((f, i) => readPattern(f, `delete[${i}]`)) },
    { kind: 'insert', facts: tells.map((f, i) => readFact(f, `tell[${i}]`)) },
  ];
}

/** `POST /api/policy`: `{"src": "...", "filename": "..."}`. */
export function readPolicyBody(v: unknown): { filename: string; src: string } {
  const o = obj(v, 'body');
  if (typeof o.src !== 'string') fail('src', 'a string', o.src);
  const filename = typeof o.filename === 'string' && o.filename !== '' ? o.filename : 'policy.polar';
  return { filename, src: o.src };
}
