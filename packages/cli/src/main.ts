/** The `samsa` command: one entry point for the broker and Kafka's everyday tools. */
import { Command, CommanderError } from 'commander';
import { CliError, ExitCode } from './common/cli-error.ts';
import { describeError } from './common/describe-error.ts';
import { oneLine } from './common/tool.ts';
import { configsCommand } from './configs-command.ts';
import { consoleConsumerCommand } from './console-consumer-command.ts';
import { consoleProducerCommand } from './console-producer-command.ts';
import { consumerGroupsCommand } from './consumer-groups-command.ts';
import { consumerPerfTestCommand } from './consumer-perf-test-command.ts';
import { dumpLogCommand } from './dump-log-command.ts';
import { producerPerfTestCommand } from './producer-perf-test-command.ts';
import { topicsCommand } from './topics-command.ts';

export async function main(argv: readonly string[]): Promise<number> {
  // The broker is loaded only to run it: every other tool starts faster without it.
  const broker = argv[0] === 'broker' || (argv[0] === 'help' && argv[1] === 'broker')
    ? (await import('./broker-command.ts')).brokerCommand().exitOverride()
      .configureOutput({ outputError: (text, write) => write(`samsa broker: ${oneLine(text)}\n`) })
    : new Command('broker').description('start a broker (data on local disk, no other process needed)');
  const program = new Command('samsa')
    .description('Samsa: a Kafka-compatible event streaming platform')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`samsa: ${oneLine(text)}\n`) })
    .addCommand(broker)
    .addCommand(topicsCommand())
    .addCommand(configsCommand())
    .addCommand(consoleProducerCommand())
    .addCommand(consoleConsumerCommand())
    .addCommand(consumerGroupsCommand())
    .addCommand(producerPerfTestCommand())
    .addCommand(consumerPerfTestCommand())
    .addCommand(dumpLogCommand());
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message (or the help).
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.OK;
      return ExitCode.USAGE;
    }
    const tool = argv[0] !== undefined && !argv[0].startsWith('-') ? ` ${argv[0]}` : '';
    process.stderr.write(`samsa${tool}: ${describeError(err)}\n`);
    if (process.env.SAMSA_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return err instanceof CliError ? err.exitCode : ExitCode.FAILURE;
  }
  return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
}
