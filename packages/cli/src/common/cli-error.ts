/**
 * The one error type a tool throws on purpose: its message is printed as one line after
 * the tool's name, and its exit code is the process's. Usage mistakes (a bad flag, a
 * missing option, options that exclude each other) exit 2, like commander's own; anything
 * that went wrong while doing the work exits 1.
 */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2 } as const;

export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = ExitCode.FAILURE) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A mistake in how the tool was called: exit code 2. */
export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.USAGE);
}
