/**
 * Small hand-written validators for request bodies. Each throws `DomainError('bad-request')` naming
 * the field (as a JSON path such as `context_facts[2].args[0].id`) and showing the offending value.
 */
import type { ValuePattern } from '../engine/types.ts';
import { DomainError } from '../errors.ts';
import type { Fact, Value } from '../polar/ast.ts';

/** Oso facts carry 1 to 5 arguments. */
export const MAX_FACT_ARITY = 5;

type Obj = Record<string, unknown>;

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    // JSON.parse accepts nesting that JSON.stringify cannot recurse through (RangeError): never a 500.
    text = Array.isArray(v) ? 'a deeply nested array' : 'a deeply nested object';
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function fail(field: string, expected: string, got: unknown): never {
  const message =
    got === undefined
      ? `missing field "${field}": expected ${expected}`
      : `invalid field "${field}": expected ${expected}, got ${show(got)}`;
  throw new DomainError('bad-request', message, { details: { field } });
}

/** Parses a JSON body; an empty or malformed body is a 400. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError('bad-request', `request body is not valid json: ${show(text.slice(0, 40))}`);
  }
}

export function object(v: unknown, field = 'body'): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, 'an object', v);
  return v as Obj;
}

export function array(v: unknown, field: string, max = Number.POSITIVE_INFINITY): unknown[] {
  if (!Array.isArray(v)) fail(field, 'an array', v);
  if (v.length > max) {
    throw new DomainError(
      'bad-request',
      `field "${field}" has ${v.length} items, more than the limit of ${max}`,
      {
        details: { field },
      },
    );
  }
  return v;
}

/** A non-empty string (Oso rejects empty types, ids, actions and predicates). */
export function str(o: Obj, key: string, prefix = ''): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0) fail(prefix + key, 'a non-empty string', v);
  return v;
}

function nullableStr(o: Obj, key: string, prefix: string): string | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || v.length === 0) fail(prefix + key, 'a non-empty string or null', v);
  return v;
}

/** An optional positive integer. */
export function optionalPositiveInt(o: Obj, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail(key, 'a positive integer', v);
  return v;
}

export function optionalString(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(key, 'a string', v);
  return v;
}

/** A concrete `{type, id}` value. */
export function value(v: unknown, field: string): Value {
  const o = object(v, field);
  return { type: str(o, 'type', `${field}.`), id: str(o, 'id', `${field}.`) };
}

/** A `{type, id}` pattern where either part may be `null` (a wildcard). */
export function valuePattern(v: unknown, field: string): ValuePattern {
  if (v === null) return { type: null, id: null };
  const o = object(v, field);
  const type = nullableStr(o, 'type', `${field}.`);
  const id = nullableStr(o, 'id', `${field}.`);
  if (type === null && id !== null) fail(`${field}.type`, 'a type when an id is given', null);
  return { type, id };
}

function args<T>(v: unknown, field: string, item: (a: unknown, f: string) => T): T[] {
  const list = array(v, field);
  if (list.length < 1 || list.length > MAX_FACT_ARITY) fail(field, `1 to ${MAX_FACT_ARITY} arguments`, v);
  return list.map((a, i) => item(a, `${field}[${i}]`));
}

/** A concrete fact `{predicate, args: [{type, id}, ...]}`. */
export function fact(v: unknown, field: string): Fact {
  const o = object(v, field);
  return { predicate: str(o, 'predicate', `${field}.`), args: args(o.args, `${field}.args`, value) };
}

/** A fact pattern whose arguments may be wildcards. */
export function factPattern(v: unknown, field: string): { predicate: string; args: ValuePattern[] } {
  const o = object(v, field);
  return { predicate: str(o, 'predicate', `${field}.`), args: args(o.args, `${field}.args`, valuePattern) };
}

/** `context_facts`: optional (older clients omit it), at most `max` facts. */
export function contextFacts(o: Obj, max: number, key = 'context_facts'): Fact[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  return array(v, key, max).map((f, i) => fact(f, `${key}[${i}]`));
}

/** A string array (e.g. the variables of a query call). */
export function strings(v: unknown, field: string): string[] {
  return array(v, field).map((s, i) => {
    if (typeof s !== 'string' || s.length === 0) fail(`${field}[${i}]`, 'a non-empty string', s);
    return s;
  });
}
