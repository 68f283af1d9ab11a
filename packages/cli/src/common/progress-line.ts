/**
 * A progress line for long-running tools. On a terminal it is one line rewritten in place
 * (and wiped before anything else is printed); elsewhere each update is its own line, so
 * logs and tests see every one.
 */
export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #live: boolean;
  #shown = false;

  constructor(stream: NodeJS.WriteStream) {
    this.#stream = stream;
    this.#live = stream.isTTY === true;
  }

  get live(): boolean {
    return this.#live;
  }

  /** Shows `text` (replacing the previous one on a terminal). */
  update(text: string): void {
    if (this.#live) {
      this.#stream.write(`\r\x1b[2K${text}`);
      this.#shown = true;
    } else {
      this.#stream.write(`${text}\n`);
    }
  }

  /** Wipes the live line, so the next output starts on a clean line. */
  clear(): void {
    if (this.#live && this.#shown) {
      this.#stream.write('\r\x1b[2K');
      this.#shown = false;
    }
  }
}
