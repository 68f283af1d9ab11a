/** The `samsa` command: one entry point for the broker and Kafka's everyday tools. */
import { Command, CommanderError } from 'commander';
import { brokerCommand } from './broker-command.ts';

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('samsa')
    .description('Samsa: a Kafka-compatible event streaming platform')
    .exitOverride()
    .addCommand(brokerCommand());
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
