import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DomainError } from '../errors.ts';

async function walk(dir: string, out: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, out);
    else if (e.isFile() && e.name.endsWith('.polar')) out.push(path);
  }
}

/**
 * Reads policy files: each path is a file (taken as is) or a directory (every `*.polar` below it,
 * recursively). Files come back sorted and de-duplicated, named relative to the working directory.
 * A missing path is `DomainError('source-invalid')`.
 */
export async function collectPolarFiles(paths: string[]): Promise<{ filename: string; src: string }[]> {
  const files: string[] = [];
  for (const p of paths) {
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(p);
    } catch (e) {
      throw new DomainError('source-invalid', `no such file or directory "${p}"`, { cause: e });
    }
    if (s.isDirectory()) await walk(p, files);
    else files.push(p);
  }
  const names = [...new Set(files.map((f) => relative(process.cwd(), f) || f))].sort();
  return Promise.all(names.map(async (filename) => ({ filename, src: await readFile(filename, 'utf8') })));
}
