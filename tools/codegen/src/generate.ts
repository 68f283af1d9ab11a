import { emitMessage } from './emit-message.ts';
import { emitApiKeys, emitCodecs, emitErrorCodes, emitIndex, moduleName } from './emit-tables.ts';
import { kafkaErrors } from './kafka-errors.ts';
import { loadSchemas } from './schema.ts';

/** Every generated file (name → contents) for the schemas in `schemaDir`. Pure: writes nothing. */
export function generate(schemaDir: string): Map<string, string> {
  const messages = loadSchemas(schemaDir);
  const files = new Map<string, string>();
  for (const m of messages) files.set(`${moduleName(m.name)}.ts`, emitMessage(m));
  files.set('codecs.ts', emitCodecs(messages));
  files.set('api-keys.ts', emitApiKeys(messages));
  files.set('error-codes.ts', emitErrorCodes(kafkaErrors));
  files.set('index.ts', emitIndex(messages, true));
  return files;
}
