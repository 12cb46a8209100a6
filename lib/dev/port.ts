import type { SqlJsStatic } from 'sql.js';
import { buildDatabase, createEngine } from '../engine/index.ts';
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
    async runTests(_policy) {
      return [];
    },
    createEngine: (policy, facts) =>
      createEngine(sql, buildDatabase(sql, policy, facts), policy, { clock: seconds }),
  };
}
