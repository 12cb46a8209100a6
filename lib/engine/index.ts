export {
  buildDatabase,
  DB_FEATURES,
  DB_FORMAT,
  FENCE_STRIDE,
  HEAVY_ROWS,
  openDatabase,
  READABLE_DB_FORMATS,
} from './build.ts';
export {
  createEngine,
  DEFAULT_LIMITS,
  type EngineOptions,
  type GenericQuery,
  LIST_PAGE_SIZE,
  openEngineCount,
  SqlEngine,
} from './engine.ts';
export { readMeta, readPolicySources, writeMeta } from './schema.ts';
export { loadSqlJs } from './sqljs.ts';
export { formatValue, type PolicyTestOptions, type PolicyTestReport, runPolicyTests } from './test-runner.ts';
export type * from './types.ts';
