/**
 * The Markdown reference of every config key, rendered from the table so the docs cannot
 * drift from what the broker accepts.
 */

import type { ConfigKey } from './config-key.ts';
import { envVarFor } from './broker-config.ts';
import { brokerConfigEntries, topicConfigEntries } from './config-table.ts';

function cell(text: string): string {
  return text === '' ? '' : text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function code(text: string | null): string {
  if (text === null) return 'null';
  if (text === '') return '""';
  return `\`${text}\``;
}

function defaultText(key: ConfigKey<unknown>): string {
  return key.type === 'password' ? 'null' : code(key.format(key.default));
}

export function renderConfigReference(): string {
  const out: string[] = [
    '# Samsa configuration reference',
    '',
    '<!-- Rendered by renderConfigReference() from packages/broker/src/config/config-table.ts; edit the table, not this file. -->',
    '',
    'Keys are Kafka\'s. Types, defaults and validation follow Kafka 3.8 unless an entry says otherwise.',
    '',
    '## Broker configs',
    '',
    'Set in a server.properties-style file (`samsa broker --config FILE`), as environment variables',
    '(`SAMSA_` + the key upper-cased with dots as underscores: `log.dirs` is `SAMSA_LOG_DIRS`), or with',
    '`--override key=value`; later sources win in that order. Keys whose update mode is not read-only',
    'can also be changed at run time with AlterConfigs / IncrementalAlterConfigs on the broker',
    '(per-broker: for one broker only; cluster-wide: for one broker or as the default of all).',
    '',
    'Values set at run time are kept in the cluster metadata (on a single node: `samsa-metadata.json`',
    'in the first log directory) and applied again at startup, above the file, the environment and',
    'the overrides. Kafka\'s order holds: per-broker dynamic, then the cluster-wide dynamic default,',
    'then the static sources, then the default. A stored value a later release refuses is logged as',
    'a warning naming the key and skipped; it does not stop the broker. Password keys cannot be',
    'changed at run time: Kafka keeps dynamic passwords encrypted with `password.encoder.secret`,',
    'which Samsa does not support, and Samsa will not keep them in clear.',
    '',
  ];
  for (const [name, key] of brokerConfigEntries) {
    out.push(`### ${name}`, '', key.doc, '');
    out.push('| Type | Default | Valid values | Importance | Update mode |', '| --- | --- | --- | --- | --- |');
    out.push(`| ${key.type} | ${cell(defaultText(key))} | ${cell(key.validValues)} | ${key.importance} | ${key.updateMode} |`, '');
    if (key.synonyms.length > 0) out.push(`Also set by (lower precedence): ${key.synonyms.map((synonym) => `\`${synonym}\``).join(', ')}.`, '');
    out.push(`Environment variable: \`${envVarFor(name)}\`.`, '');
    if (key.differsFromKafka !== null) out.push(`Differs from Kafka: ${key.differsFromKafka}`, '');
  }
  out.push(
    '## Topic configs',
    '',
    'Set per topic with CreateTopics, AlterConfigs or IncrementalAlterConfigs. A topic that does not',
    'set a key takes the broker config it names, then the default listed here.',
    '',
  );
  for (const [name, key] of topicConfigEntries) {
    out.push(`### ${name}`, '', key.doc, '');
    out.push('| Type | Default | Valid values | Broker default from |', '| --- | --- | --- | --- |');
    const from = key.brokerSynonyms.map((synonym) => `\`${synonym}\``).join(', ');
    out.push(`| ${key.type} | ${cell(defaultText(key))} | ${cell(key.validValues)} | ${from === '' ? '(none)' : from} |`, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
