/**
 * `npm run generate`: reads Kafka's message schemas and writes
 * packages/protocol/src/generated/. The schema directory is the first argument, or
 * $SAMSA_KAFKA_SCHEMAS, or ../shared/kafka-protocol/messages beside the repository.
 * `--check` compares instead of writing and exits 1 on any difference.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const defaultSchemaDir = resolve(repoRoot, '../shared/kafka-protocol/messages');
export const outputDir = join(repoRoot, 'packages/protocol/src/generated');

function run(argv: readonly string[]): number {
  const check = argv.includes('--check');
  const positional = argv.filter((a) => !a.startsWith('--'));
  const schemaDir = resolve(positional[0] ?? process.env['SAMSA_KAFKA_SCHEMAS'] ?? defaultSchemaDir);
  if (!existsSync(schemaDir)) {
    process.stderr.write(`codegen: schema directory not found: ${schemaDir}\n`);
    return 2;
  }
  const files = generate(schemaDir);
  const existing = existsSync(outputDir) ? readdirSync(outputDir).filter((f) => f.endsWith('.ts')) : [];
  if (check) {
    const drift: string[] = [];
    for (const [name, text] of files) {
      const path = join(outputDir, name);
      if (!existsSync(path) || readFileSync(path, 'utf8') !== text) drift.push(name);
    }
    for (const name of existing) if (!files.has(name)) drift.push(`${name} (stale)`);
    if (drift.length > 0) {
      process.stderr.write(`codegen: generated files differ from ${schemaDir}:\n  ${drift.join('\n  ')}\nRun \`npm run generate\`.\n`);
      return 1;
    }
    process.stdout.write(`codegen: ${files.size} generated files match ${schemaDir}\n`);
    return 0;
  }
  mkdirSync(outputDir, { recursive: true });
  for (const name of existing) if (!files.has(name)) rmSync(join(outputDir, name));
  for (const [name, text] of files) writeFileSync(join(outputDir, name), text);
  process.stdout.write(`codegen: wrote ${files.size} files to ${outputDir}\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = run(process.argv.slice(2));
}
