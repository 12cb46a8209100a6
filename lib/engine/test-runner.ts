import type { SqlJsStatic } from 'sql.js';
import { isDomainError } from '../errors.ts';
import type { Assertion, Loc, Policy, Term, Value } from '../polar/ast.ts';
import { buildDatabase } from './build.ts';
import { createEngine, type GenericQuery, type SqlEngine } from './engine.ts';

/** Result of running a policy's `test` blocks. */
export interface PolicyTestReport {
  passed: number;
  failed: number;
  failures: { test: string; loc: Loc; message: string }[];
}

/** Options of `runPolicyTests`. */
export interface PolicyTestOptions {
  /** Unix seconds for `@current_unix_time`. Default: the system clock. */
  clock?: () => number | bigint;
}

/** A value in Polar syntax: `"s"`, `42`, `true`, `Type{"id"}`. */
export function formatValue(v: Value): string {
  if (v.type === 'String') return JSON.stringify(v.id);
  if (v.type === 'Integer' || v.type === 'Boolean') return v.id;
  return `${v.type}{${JSON.stringify(v.id)}}`;
}

function formatAtom(a: Assertion): string {
  const arg = (t: Term): string => {
    switch (t.kind) {
      case 'value':
        return formatValue(t.value);
      case 'var':
        return a.variable?.name === t.name ? `${t.name}: ${a.variable.types.join(' | ')}` : t.name;
      case 'now':
        return '@current_unix_time';
      default: {
        const never: never = t;
        throw new Error(`unknown term ${JSON.stringify(never)}`);
      }
    }
  };
  return `${a.atom.pred}(${a.atom.args.map(arg).join(', ')})`;
}

/** Checks one assertion; returns a failure message or undefined when it holds. */
function check(engine: SqlEngine, a: Assertion, now: () => number | bigint): string | undefined {
  const v = a.variable;
  const q: GenericQuery = {
    atoms: [
      {
        pred: a.atom.pred,
        args: a.atom.args.map((t) => {
          switch (t.kind) {
            case 'value':
              return { value: t.value };
            case 'var':
              return { var: t.name };
            case 'now':
              return { value: { type: 'Integer', id: String(now()) } };
            default: {
              const never: never = t;
              throw new Error(`unknown term ${JSON.stringify(never)}`);
            }
          }
        }),
      },
    ],
    vars: v === undefined ? {} : { [v.name]: { types: v.types } },
    outputs: v === undefined ? [] : [v.name],
  };
  const rows = engine.runQuery(q);
  const holds = rows.length > 0;
  const text = formatAtom(a);
  if (v === undefined || a.iff === undefined) {
    if (a.kind === 'assert' && !holds) return `expected ${text} to hold`;
    if (a.kind === 'assert_not' && holds) return `expected ${text} not to hold`;
    return undefined;
  }
  const got = rows.map((r) => r[v.name] ?? null);
  const want = a.iff.map((x) => formatValue(x));
  const gotText = got.map((x) => (x === null ? '*' : formatValue(x)));
  if (a.kind === 'assert_not') {
    const hit = want.filter((w) => gotText.includes(w) || gotText.includes('*'));
    return hit.length === 0 ? undefined : `expected ${text} not to hold for ${hit.join(', ')}`;
  }
  const missing = want.filter((w) => !gotText.includes(w));
  const extra = [...new Set(gotText.filter((g) => !want.includes(g)))].sort();
  if (missing.length === 0 && extra.length === 0) return undefined;
  const parts = [
    ...(missing.length > 0 ? [`missing ${missing.join(', ')}`] : []),
    ...(extra.length > 0 ? [`unexpected ${extra.join(', ')}`] : []),
  ];
  return `${text} iff ${v.name} in [${want.join(', ')}]: ${parts.join('; ')}`;
}

/**
 * Runs every `test` block of a policy: each on a fresh in-memory database holding the policy's own
 * facts plus the test's setup facts only.
 */
export function runPolicyTests(
  sql: SqlJsStatic,
  policy: Policy,
  options: PolicyTestOptions = {},
): PolicyTestReport {
  const report: PolicyTestReport = { passed: 0, failed: 0, failures: [] };
  const now = options.clock ?? (() => Math.floor(Date.now() / 1000));
  for (const t of policy.tests) {
    let engine: SqlEngine | undefined;
    try {
      engine = createEngine(sql, buildDatabase(sql, policy, t.facts), policy, { clock: now });
    } catch (e) {
      const message = isDomainError(e) ? e.message : String(e);
      for (const a of t.assertions) {
        report.failed++;
        report.failures.push({ test: t.name, loc: a.loc, message: `setup failed: ${message}` });
      }
      continue;
    }
    try {
      for (const a of t.assertions) {
        let message: string | undefined;
        try {
          message = check(engine, a, now);
        } catch (e) {
          message = `error: ${isDomainError(e) ? e.message : String(e)}`;
        }
        if (message === undefined) {
          report.passed++;
        } else {
          report.failed++;
          report.failures.push({ test: t.name, loc: a.loc, message });
        }
      }
    } finally {
      engine.close();
    }
  }
  return report;
}
