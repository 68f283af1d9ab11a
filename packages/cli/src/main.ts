/** The `samsa` command. Subcommands arrive as the broker and tools land. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  if (command === 'broker') {
    process.stderr.write('samsa: the broker is not built yet (see the open issues); nothing to start.\n');
    return 1;
  }
  process.stderr.write('usage: samsa <command>\n\ncommands:\n  broker    start a broker (not built yet)\n');
  return command === undefined || command === '--help' || command === '-h' ? 0 : 2;
}
