/**
 * `samsa console-producer`: kafka-console-producer.sh. Each line of stdin becomes a record
 * (see line-message-reader.ts for keys and headers); at end of input everything queued is
 * sent before the tool exits. As in Kafka, a topic that does not exist is created by the
 * broker if `auto.create.topics.enable` allows it; otherwise the tool stops before reading
 * any input. A failed send stops the tool with exit code 1 (Kafka logs it and goes on;
 * a script piping data in is better served by a clear failure).
 */
import { createInterface } from 'node:readline';
import type { MessageToProduce } from '@platformatic/kafka';
import { Option } from 'commander';
import { addConnectionOptions, type ConnectionOptions } from './common/bootstrap.ts';
import { BatchSender } from './common/batch-sender.ts';
import { CliError, usageError } from './common/cli-error.ts';
import { closeAll, openProducer } from './common/clients.ts';
import { collectKeyValue, parseNonNegativeInt, parsePositiveInt } from './common/arguments.ts';
import { COMPRESSION_CODECS, parseAcks, parseCodec, producerSettings } from './common/client-properties.ts';
import { describeError } from './common/describe-error.ts';
import { lineReaderProperties, parseLine } from './common/line-message-reader.ts';
import { createOutput } from './common/output.ts';
import { ensureTopic } from './common/ensure-topic.ts';
import { createTool } from './common/tool.ts';

interface ConsoleProducerOptions extends ConnectionOptions {
  topic: string;
  property?: Array<[string, string]>;
  compressionCodec?: string | true;
  producerProperty?: Array<[string, string]>;
  requestRequiredAcks?: string;
  requestTimeoutMs?: number;
  batchSize?: number;
  timeout?: number;
  sync?: boolean;
  json?: boolean;
}

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

export function consoleProducerCommand() {
  const cmd = createTool('console-producer', 'send lines from stdin as records (kafka-console-producer.sh)')
    .requiredOption('--topic <topic>', 'the topic to write to')
    .option('--property <key=value...>', 'line parsing: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error', collectKeyValue)
    .option('--compression-codec [codec]', `${COMPRESSION_CODECS.join(', ')}; gzip when given without a value`)
    .option('--producer-property <key=value...>', 'a producer config: acks, compression.type, linger.ms, batch.size, client.id, ...', collectKeyValue)
    .option('--request-required-acks <acks>', 'all (-1), 1 or 0 (default: -1)')
    .addOption(new Option('--request-timeout-ms <ms>', 'how long to wait for the broker to answer a send').argParser(parsePositiveInt))
    .addOption(new Option('--batch-size <n>', 'most records per send').argParser(parsePositiveInt))
    .addOption(new Option('--timeout <ms>', 'longest a record waits for more to fill its send (linger)').argParser(parseNonNegativeInt))
    .option('--sync', 'send each record on its own and wait for it')
    .option('--json', 'at the end, print a JSON summary');
  return addConnectionOptions(cmd).action(async (opts: ConsoleProducerOptions) => {
    const reader = lineReaderProperties(opts.property ?? []);
    const settings = producerSettings(opts.producerProperty ?? []);
    // As in Kafka, a dedicated flag wins over the same setting in --producer-property.
    const acks = opts.requestRequiredAcks !== undefined ? parseAcks(opts.requestRequiredAcks) : settings.acks ?? -1;
    const compression = opts.compressionCodec === true ? 'gzip'
      : opts.compressionCodec !== undefined ? parseCodec(opts.compressionCodec) : settings.compression ?? 'none';
    if (settings.idempotent === true && acks !== -1) throw usageError('enable.idempotence=true needs acks=all');
    const out = createOutput();
    const producer = await openProducer(opts, settings.clientId ?? 'samsa-console-producer', {
      autocreateTopics: true,
      ...(settings.idempotent === undefined ? {} : { idempotent: settings.idempotent }),
      ...(opts.requestTimeoutMs ?? settings.timeout) === undefined ? {} : { timeout: opts.requestTimeoutMs ?? settings.timeout! },
      ...(settings.retries === undefined ? {} : { retries: settings.retries }),
      ...(settings.retryDelay === undefined ? {} : { retryDelay: settings.retryDelay }),
    });
    let lineNumber = 0;
    try {
      await ensureTopic(producer, opts.topic);
      const sender = new BatchSender<Message>(
        async (messages) => {
          try {
            await producer.send({ messages, acks, compression });
          } catch (err) {
            throw new CliError(`sending ${messages.length} record(s) to ${opts.topic} failed: ${describeError(err)}`);
          }
        },
        (m) => (m.key?.length ?? 0) + (m.value?.length ?? 0) + 16,
        {
          maxMessages: opts.sync === true ? 1 : opts.batchSize ?? 1000,
          maxBytes: settings.batchBytes ?? 1024 * 1024,
          lingerMs: opts.timeout ?? settings.lingerMs ?? 100,
        },
      );
      const interactive = process.stdin.isTTY && process.stdout.isTTY;
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
      if (interactive) out.write('>');
      for await (const line of lines) {
        lineNumber++;
        let record;
        try {
          record = parseLine(line, lineNumber, reader);
        } catch (err) {
          // Lines before the bad one are sent, as Kafka's producer would have.
          await sender.close();
          throw err;
        }
        const message: Message = { topic: opts.topic, ...(record.value === null ? {} : { value: record.value }) };
        if (record.key !== null) message.key = record.key;
        // A null header value (null.marker) is written as length -1 by the library, whatever its types say.
        if (record.headers.length > 0) message.headers = new Map(record.headers.map(([k, v]) => [Buffer.from(k), v as Buffer]));
        await sender.add(message);
        if (opts.sync === true) await sender.close();
        if (interactive) out.write('>');
      }
      await sender.close();
      if (opts.json === true) out.json({ topic: opts.topic, records: sender.sent });
    } finally {
      process.stdin.destroy();
      await closeAll(producer);
    }
  });
}
