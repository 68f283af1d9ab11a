/**
 * Listener syntax: `NAME://host:port` items separated by commas, as in Kafka's `listeners`
 * and `advertised.listeners`. An empty host means every interface; IPv6 hosts go in brackets;
 * port 0 asks the OS for a free port (tests, embedded brokers). Names are case-insensitive and
 * kept upper-cased, as Kafka's ListenerName normalises them.
 */

import type { Decoded } from './config-key.ts';

export const SecurityProtocol = {
  PLAINTEXT: 'PLAINTEXT',
  SSL: 'SSL',
  SASL_PLAINTEXT: 'SASL_PLAINTEXT',
  SASL_SSL: 'SASL_SSL',
} as const;
export type SecurityProtocol = (typeof SecurityProtocol)[keyof typeof SecurityProtocol];

export const securityProtocols: readonly SecurityProtocol[] = Object.values(SecurityProtocol);

export interface Listener {
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  /** '' binds every interface. IPv6 addresses are kept without brackets. */
  readonly host: string;
  readonly port: number;
}

const listenerPattern = /^([A-Za-z0-9_-]+):\/\/(?:\[([0-9A-Fa-f:.%a-zA-Z]*)\]|([^:[\]/]*)):(\d+)$/;

export function securityProtocolOf(name: string): SecurityProtocol | undefined {
  return securityProtocols.find((protocol) => protocol === name.toUpperCase());
}

/**
 * Parses the list alone. The security protocol of each listener is settled later, against
 * listener.security.protocol.map; until then a name that is itself a protocol maps to it and
 * any other name is provisionally PLAINTEXT.
 */
export function parseListeners(text: string): Decoded<readonly Listener[]> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: [] };
  const listeners: Listener[] = [];
  for (const raw of trimmed.split(',')) {
    const item = raw.trim();
    const match = listenerPattern.exec(item);
    if (match === null) return { ok: false, reason: `${JSON.stringify(item)} is not NAME://host:port` };
    const [, rawName = '', ipv6, host = '', portText = ''] = match;
    const port = Number(portText);
    if (port > 65535) return { ok: false, reason: `port ${portText} in ${JSON.stringify(item)} is above 65535` };
    const name = rawName.toUpperCase();
    listeners.push({ name, securityProtocol: securityProtocolOf(name) ?? 'PLAINTEXT', host: ipv6 ?? host, port });
  }
  return { ok: true, value: listeners };
}

export function formatListener(listener: Listener): string {
  const host = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
  return `${listener.name}://${host}:${listener.port}`;
}

export function formatListeners(listeners: readonly Listener[]): string {
  return listeners.map(formatListener).join(',');
}

/** `NAME:PROTOCOL` pairs separated by commas, as listener.security.protocol.map takes them. */
export function parseSecurityProtocolMap(text: string): Decoded<ReadonlyMap<string, SecurityProtocol>> {
  const map = new Map<string, SecurityProtocol>();
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: map };
  for (const raw of trimmed.split(',')) {
    const item = raw.trim();
    const colon = item.indexOf(':');
    const name = item.slice(0, colon).trim().toUpperCase();
    if (colon <= 0 || name === '') return { ok: false, reason: `${JSON.stringify(item)} is not NAME:PROTOCOL` };
    const protocol = securityProtocolOf(item.slice(colon + 1).trim());
    if (protocol === undefined) {
      return { ok: false, reason: `${JSON.stringify(item.slice(colon + 1).trim())} is not a security protocol (${securityProtocols.join(', ')})` };
    }
    if (map.has(name)) return { ok: false, reason: `listener name ${name} is mapped twice` };
    map.set(name, protocol);
  }
  return { ok: true, value: map };
}

export function formatSecurityProtocolMap(map: ReadonlyMap<string, SecurityProtocol>): string {
  return [...map].map(([name, protocol]) => `${name}:${protocol}`).join(',');
}

/** The addresses a client cannot be sent to: they mean "any interface", not a place. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '0:0:0:0:0:0:0:0';
}
