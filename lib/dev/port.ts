import type { SqlJsStatic } from 'sql.js';
import { buildDatabase, createEngine, runPolicyTests } from '../engine/index.ts';
import { DomainError } from '../errors.ts';
import { checkFact, parsePolicy } from '../polar/index.ts';
import type { DevPolicyPort } from './dev-service.ts';

/** The real parser, checker, test runner and engine behind dev mode; `clock` is epoch ms. */
export function createDevPort(sql: SqlJsStatic, clock: () => number): DevPolicyPort {
  const seconds = () => Math.floor(clock() / 1000);
  return {
    compile: (sources) => parsePolicy(sources),
    checkFact(policy, fact) {
      const problem = checkFact(policy, fact);
      if (problem !== null) throw new DomainError('bad-request', problem, { details: { fact } });
    },
    async runTests(policy) {
      const report = runPolicyTests(sql, policy, { clock: seconds });
      return report.failures.map(
        (f) => `${f.loc.file}:${f.loc.line}:${f.loc.column}: test "${f.test}": ${f.message}`,
      );
    },
    createEngine: (policy, facts) =>
      createEngine(sql, buildDatabase(sql, policy, facts), policy, { clock: seconds }),
  };
}
