/**
 * Java `.properties` syntax, as Kafka's server.properties is read (java.util.Properties.load):
 *
 * - a line whose first non-blank character is `#` or `!` is a comment; blank lines are skipped;
 * - a line ending in an odd number of backslashes continues on the next line, whose leading
 *   blanks are dropped (so a continued line that starts with `#` is not a comment);
 * - the key ends at the first unescaped `=`, `:` or blank; blanks and one `=` or `:` after it
 *   are skipped; the rest of the line is the value;
 * - escapes: `\t \n \r \f`, `\uXXXX`, and a backslash before any other character stands for
 *   that character (`\:`, `\=`, `\ `, `\\`).
 *
 * One departure: Java reads the bytes as ISO-8859-1; we read UTF-8, which is what anyone
 * editing the file today writes. A leading byte-order mark is ignored.
 */

export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based line where the entry starts (continuations can span more). */
  readonly line: number;
}

export class PropertiesSyntaxError extends Error {
  readonly line: number;

  constructor(line: number, message: string) {
    super(message);
    this.name = 'PropertiesSyntaxError';
    this.line = line;
  }
}

const blank = new Set([' ', '\t', '\f']);

function skipBlanks(text: string, from: number): number {
  let at = from;
  while (at < text.length && blank.has(text[at] ?? '')) at++;
  return at;
}

function endsWithOddBackslashes(text: string): boolean {
  let count = 0;
  for (let at = text.length - 1; at >= 0 && text[at] === '\\'; at--) count++;
  return count % 2 === 1;
}

function unescape(text: string, line: number): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = text[++at];
    switch (next) {
      case undefined: break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        const hex = text.slice(at + 1, at + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesSyntaxError(line, `malformed \\u escape "\\u${hex}"`);
        out += String.fromCharCode(Number.parseInt(hex, 16));
        at += 4;
        break;
      }
      default: out += next;
    }
  }
  return out;
}

/** Entries in file order; a key given twice appears twice (the caller decides that the last wins). */
export function parseProperties(text: string): PropertyEntry[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  for (let index = 0; index < lines.length; index++) {
    const first = lines[index] ?? '';
    const start = skipBlanks(first, 0);
    if (start === first.length) continue;
    if (first[start] === '#' || first[start] === '!') continue;
    const lineNumber = index + 1;
    let logical = first.slice(start);
    while (endsWithOddBackslashes(logical)) {
      logical = logical.slice(0, -1);
      if (index + 1 >= lines.length) break;
      const next = lines[++index] ?? '';
      logical += next.slice(skipBlanks(next, 0));
    }
    let keyEnd = 0;
    while (keyEnd < logical.length) {
      const char = logical[keyEnd] ?? '';
      if (char === '\\') {
        keyEnd += 2;
        continue;
      }
      if (char === '=' || char === ':' || blank.has(char)) break;
      keyEnd++;
    }
    keyEnd = Math.min(keyEnd, logical.length);
    let valueStart = skipBlanks(logical, keyEnd);
    if (logical[valueStart] === '=' || logical[valueStart] === ':') valueStart = skipBlanks(logical, valueStart + 1);
    entries.push({
      key: unescape(logical.slice(0, keyEnd), lineNumber),
      value: unescape(logical.slice(valueStart), lineNumber),
      line: lineNumber,
    });
  }
  return entries;
}
