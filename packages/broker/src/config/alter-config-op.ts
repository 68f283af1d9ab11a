/**
 * What AlterConfigs and IncrementalAlterConfigs ask of a config resource, shared by broker
 * and topic resources. Operation codes are IncrementalAlterConfigs' (KIP-339).
 */

import { ErrorCode } from '@samsa/protocol';
import { parseList } from './config-key.ts';

export const AlterConfigOpType = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export type AlterConfigOpType = (typeof AlterConfigOpType)[keyof typeof AlterConfigOpType];

export interface AlterConfigOp {
  readonly name: string;
  /** An AlterConfigOpType; other numbers are refused with INVALID_REQUEST, as the wire may carry anything. */
  readonly op: number;
  readonly value: string | null;
}

/** A legacy AlterConfigs entry: the whole set given replaces what was there. */
export interface ConfigEntryValue {
  readonly name: string;
  readonly value: string | null;
}

export interface AlterRefusal {
  readonly errorCode: typeof ErrorCode.INVALID_CONFIG | typeof ErrorCode.INVALID_REQUEST;
  readonly errorMessage: string;
}

export function invalidConfig(errorMessage: string): AlterRefusal {
  return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage };
}

export function invalidRequest(errorMessage: string): AlterRefusal {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

/**
 * APPEND and SUBTRACT on a list, starting from the value in force. (Kafka starts from the
 * resource's own override or else the key's built-in default, which makes APPEND on a broker
 * whose static config set the list surprising; the value a describe shows is the one users
 * expect to extend.)
 */
export function applyListOp(op: number, current: string, change: string): string {
  const items = parseList(current);
  const delta = parseList(change);
  const base = items.ok ? items.value : [];
  const edit = delta.ok ? delta.value : [change];
  if (op === AlterConfigOpType.APPEND) return [...base, ...edit.filter((item) => !base.includes(item))].join(',');
  return base.filter((item) => !edit.includes(item)).join(',');
}

export function findDuplicate(names: Iterable<string>): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}
