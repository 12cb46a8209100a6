// The `fallback` command line: one thin dispatcher; each command lives in lib/cli/.
import process from 'node:process';

type CommandModule = { run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> };

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  dev: {
    summary: 'run a local Oso Cloud-compatible server (read and write API)',
    load: () => import('../lib/cli/dev-command.ts'),
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
