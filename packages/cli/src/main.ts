/** The `samsa` command: one entry point for the broker and Kafka's everyday tools. */
import { Command, CommanderError } from 'commander';
import { CliError, ExitCode } from './common/cli-error.ts';
import { describeError } from './common/describe-error.ts';
import { oneLine } from './common/tool.ts';

/** Every tool but the broker, in the order `samsa --help` lists them. */
async function toolCommands(): Promise<Command[]> {
  const [topics, configs, consoleProducer, consoleConsumer, consumerGroups, producerPerfTest, consumerPerfTest, dumpLog] = await Promise.all([
    import('./topics-command.ts'), import('./configs-command.ts'), import('./console-producer-command.ts'),
    import('./console-consumer-command.ts'), import('./consumer-groups-command.ts'), import('./producer-perf-test-command.ts'),
    import('./consumer-perf-test-command.ts'), import('./dump-log-command.ts'),
  ]);
  return [topics.topicsCommand(), configs.configsCommand(), consoleProducer.consoleProducerCommand(),
    consoleConsumer.consoleConsumerCommand(), consumerGroups.consumerGroupsCommand(), producerPerfTest.producerPerfTestCommand(),
    consumerPerfTest.consumerPerfTestCommand(), dumpLog.dumpLogCommand()];
}

export async function main(argv: readonly string[]): Promise<number> {
  // The broker is loaded only to run it, and the other tools only when it is not run: each
  // starts faster without the other's modules (the broker's start-up time is a goal of issue 4).
  const runsBroker = argv[0] === 'broker' || (argv[0] === 'help' && argv[1] === 'broker');
  const broker = runsBroker
    ? (await import('./broker-command.ts')).brokerCommand().exitOverride()
      .configureOutput({ outputError: (text, write) => write(`samsa broker: ${oneLine(text)}\n`) })
    : new Command('broker').description('start a broker (data on local disk, no other process needed)');
  const program = new Command('samsa')
    .description('Samsa: a Kafka-compatible event streaming platform')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`samsa: ${oneLine(text)}\n`) })
    .addCommand(broker);
  if (!runsBroker) for (const tool of await toolCommands()) program.addCommand(tool);
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
