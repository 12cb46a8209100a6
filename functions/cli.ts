// The `fallback` command line: one thin dispatcher; each command lives in lib/cli/.
import process from 'node:process';

type CommandModule = { run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> };

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  dev: {
    summary: 'run a local Oso Cloud-compatible server (read and write API)',
    load: () => import('../lib/cli/dev-command.ts'),
  },
  sync: {
    summary: 'build a snapshot from a source (dir:<path> or oso:<url>) and publish it to a store',
    load: () => import('../lib/cli/sync-command.ts'),
  },
  export: {
    summary: "write a store's current snapshot to one file",
    load: () => import('../lib/cli/export-command.ts'),
  },
  import: {
    summary: 'verify an exported snapshot file and publish it to a store',
    load: () => import('../lib/cli/import-command.ts'),
  },
  test: { summary: 'run the test blocks of a policy', load: () => import('../lib/cli/test-command.ts') },
  serve: {
    summary: 'serve the Oso Cloud check API from the latest snapshot in a store',
    load: () => import('../lib/cli/serve-command.ts'),
  },
  'chaos-proxy': {
    summary: 'proxy to the primary that fails a share of requests with 503 (fallback drills)',
    load: () => import('../lib/cli/chaos-proxy-command.ts'),
  },
  quickstart: {
    summary: 'sync the example in examples/ into .data/quickstart and serve it (npm start)',
    load: () => import('../lib/cli/quickstart-command.ts'),
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`);
  return `usage: fallback <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

const [name, ...rest] = process.argv.slice(2);
const command = name === undefined ? undefined : COMMANDS[name];
if (command === undefined) {
  process.stderr.write(
    name === undefined || name === '--help' ? usage() : `unknown command "${name}"\n${usage()}`,
  );
  process.exitCode = name === undefined || name === '--help' ? 0 : 2;
} else {
  const mod = await command.load();
  process.exitCode = await mod.run(rest, process.env);
}
