/** `fallback test <file-or-dir>...`: runs the `test` blocks of a policy. */
import { loadSqlJs, runPolicyTests } from '../engine/index.ts';
import { DomainError, formatDiagnostic } from '../errors.ts';
import { parsePolicy } from '../polar/index.ts';
import { collectPolarFiles } from '../source/index.ts';

/** Where the command writes (the process streams by default). */
interface TestIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export const USAGE = 'usage: fallback test <file-or-dir>...\n';

/**
 * Prints one line per failed assertion (`file:line:column: test "name": what failed`) and then
 * `N passed, N failed`. Exit 0 when all pass, 1 when any fails, 2 when the policy does not parse or check.
 */
export async function run(
  argv: string[],
  _env: Readonly<Record<string, string | undefined>>,
  io: TestIo = process,
): Promise<number> {
  if (argv.includes('--help')) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (argv.length === 0 || argv.some((a) => a.startsWith('--'))) {
    io.stderr.write(USAGE);
    return 2;
  }
  try {
    const sources = await collectPolarFiles(argv);
    if (sources.length === 0)
      throw new DomainError('source-invalid', `no .polar files in ${argv.join(', ')}`);
    const policy = parsePolicy(sources);
    const report = runPolicyTests(await loadSqlJs(), policy);
    for (const f of report.failures) {
      io.stdout.write(`${f.loc.file}:${f.loc.line}:${f.loc.column}: test "${f.test}": ${f.message}\n`);
    }
    io.stdout.write(`${report.passed} passed, ${report.failed} failed\n`);
    return report.failed > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof DomainError && e.diagnostics.length > 0) {
      for (const d of e.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
      io.stderr.write(`${e.message.split('\n')[0]}\n`);
      return 2;
    }
    io.stderr.write(`${e instanceof DomainError ? `${e.code}: ${e.message}` : String(e)}\n`);
    return 2;
  }
}
