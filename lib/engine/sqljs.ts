import type { SqlJsStatic } from 'sql.js';
// The inline build carries its WASM inside the JS file, so it survives esbuild bundling (Lambda).
import initSqlJs from 'sql.js/dist/sql-wasm-inline.js';

let loading: Promise<SqlJsStatic> | undefined;

/** Initialises sql.js once per process and returns the same module afterwards. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs();
  return loading;
}
