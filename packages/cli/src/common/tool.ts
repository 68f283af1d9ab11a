/**
 * A `samsa` tool is a commander Command made by `createTool`: commander's own usage errors
 * (unknown option, missing value) come out as one line after the tool's name and reach
 * `main` as a CommanderError instead of exiting the process.
 */
import { Command } from 'commander';

export function createTool(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`samsa ${name}: ${oneLine(text)}\n`) })
    .showHelpAfterError(false);
}

/** commander's "error: unknown option '--x'\n(Did you mean --y?)" as one line. */
export function oneLine(text: string): string {
  return text.replace(/^error: /, '').split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ');
}
