// Public API of the Polar front end: text -> checked, desugared Policy (no SQL, no I/O).
import { createHash } from 'node:crypto';
import { type Diagnostic, DomainError, formatDiagnostic } from '../errors.ts';
import type { BlockMetadata, FactSignature, Policy } from './ast.ts';
import { checkFiles } from './checker.ts';
import { desugarRules } from './desugar.ts';
import { buildEnv } from './env.ts';
import { parseFile } from './parser.ts';
import { inferSignatures } from './signatures.ts';
import { checkStratification } from './stratify.ts';
import type { SynFile } from './syntax.ts';
import { checkAssertedPredicates, desugarTests } from './tests-desugar.ts';

export * from './ast.ts';
export { checkFact } from './signatures.ts';

/** One policy source file. */
export interface PolicySource {
  filename: string;
  src: string;
}

/** Diagnostics shown in an error message; the rest stay in `error.diagnostics`. */
const MAX_LISTED = 50;

/**
 * Parses, checks and desugars a policy made of several files.
 * Throws `DomainError('policy-syntax')` when any file does not parse and `DomainError('policy-invalid')`
 * when it parses but has semantic problems; `error.diagnostics` lists every problem found.
 */
export function parsePolicy(sources: PolicySource[]): Policy {
  const files: SynFile[] = [];
  const syntax: Diagnostic[] = [];
  for (const s of sources) {
    const r = parseFile(s.filename, s.src);
    files.push(r.file);
    syntax.push(...r.diagnostics);
  }
  if (syntax.length > 0) throw failure('policy-syntax', 'syntax error', syntax, sources);

  const diags: Diagnostic[] = [];
  const report = (code: string, message: string, loc: { file: string; line: number; column: number }) =>
    diags.push({ code, message, file: loc.file, line: loc.line, column: loc.column });
  const env = buildEnv(files, diags);
  checkFiles(files, env, diags);
  const { rules, facts } = desugarRules(files, env, report);
  checkStratification(rules, report);
  const declared: FactSignature[] = [];
  for (const f of files) {
    for (const it of f.items) {
      if (it.kind === 'declare') {
        declared.push({ predicate: it.name, argTypes: it.types.map((t) => env.expand(t.name) ?? [t.name]) });
      }
    }
  }
  const signatures = inferSignatures(rules, declared);
  const tests = desugarTests(files, env, signatures, report);
  checkAssertedPredicates(tests, rules, facts, signatures, report);
  if (diags.length > 0) throw failure('policy-invalid', 'problem', diags, sources);

  const metadata: Record<string, BlockMetadata> = {};
  for (const name of env.blocks.keys()) metadata[name] = env.metadata(name);
  if (env.global) metadata.global = env.metadata('global');
  return {
    sources: sources.map((s) => ({ filename: s.filename, src: s.src })),
    types: [...env.types.values()],
    subtypes: env.subtypes,
    rules,
    facts,
    signatures,
    metadata,
    tests,
  };
}

/** Sorts by file (in the order given), line and column, drops exact duplicates, and builds the error. */
function failure(
  code: 'policy-syntax' | 'policy-invalid',
  what: string,
  diags: Diagnostic[],
  sources: PolicySource[],
): DomainError {
  const order = new Map(sources.map((s, i) => [s.filename, i]));
  const seen = new Set<string>();
  const unique = diags.filter((d) => {
    const key = `${d.file}\0${d.line}\0${d.column}\0${d.code}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  unique.sort(
    (a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line || a.column - b.column,
  );
  const n = unique.length;
  const listed = unique.slice(0, MAX_LISTED).map(formatDiagnostic);
  if (n > MAX_LISTED) listed.push(`... and ${n - MAX_LISTED} more`);
  return new DomainError(code, `policy has ${n} ${what}${n === 1 ? '' : 's'}\n${listed.join('\n')}`, {
    diagnostics: unique,
  });
}

/**
 * sha256 (hex) of the canonical sources: sorted by file name (so listing order does not matter), each
 * name and text length-prefixed so file boundaries are unambiguous. Text is hashed byte for byte.
 */
export function policyHash(sources: PolicySource[]): string {
  const h = createHash('sha256');
  const sorted = [...sources].sort((a, b) =>
    a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : a.src < b.src ? -1 : a.src > b.src ? 1 : 0,
  );
  for (const s of sorted) {
    for (const part of [s.filename, s.src]) {
      const bytes = Buffer.from(part, 'utf8');
      h.update(`${bytes.length}:`);
      h.update(bytes);
    }
  }
  return h.digest('hex');
}
