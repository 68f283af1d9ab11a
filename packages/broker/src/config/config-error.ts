import { SamsaError } from '@samsa/protocol';

export type ConfigOrigin =
  | { readonly kind: 'file'; readonly file: string; readonly line: number }
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'override' }
  | { readonly kind: 'dynamic'; readonly level: 'broker' | 'cluster' }
  | { readonly kind: 'default' };

export function describeOrigin(origin: ConfigOrigin): string {
  switch (origin.kind) {
    case 'file': return `${origin.file}:${origin.line}`;
    case 'env': return `environment variable ${origin.variable}`;
    case 'override': return '--override';
    case 'dynamic': return origin.level === 'broker' ? 'dynamic per-broker config' : 'dynamic cluster-wide default';
    case 'default': return 'the default';
  }
}

export interface ConfigProblem {
  /** The key at fault, or null for problems with the file itself. */
  readonly key: string | null;
  /** The offending text as given (null when there is none, or it is a password). */
  readonly value: string | null;
  readonly origin: ConfigOrigin | null;
  readonly reason: string;
  /** What would have been accepted, in words; null when the key itself is the problem. */
  readonly allowed: string | null;
}

export function formatProblem(problem: ConfigProblem): string {
  let text = problem.key ?? 'config';
  if (problem.value !== null) text += ` = ${JSON.stringify(problem.value)}`;
  if (problem.origin !== null) text += ` (from ${describeOrigin(problem.origin)})`;
  text += `: ${problem.reason}`;
  if (problem.allowed !== null) text += `; allowed: ${problem.allowed}`;
  return text;
}


/**
 * The one error config loading raises (SAMSA_ERR_CONFIG_INVALID). Every problem found is
 * collected first and reported together, so a server.properties with three typos needs one
 * restart, not three.
 */
export class ConfigError extends SamsaError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options?: ErrorOptions) {
    const lines = problems.map(formatProblem);
    super('SAMSA_ERR_CONFIG_INVALID',
      lines.length === 1 ? `invalid config: ${lines[0]}` : `invalid config (${lines.length} problems):\n  ${lines.join('\n  ')}`, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
