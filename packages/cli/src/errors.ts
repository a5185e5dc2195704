// Maps any failure to one line on stderr and an exit code: 2 for bad usage, config or input, 1 for
// a job that failed. The stack is printed only with --log-level debug.
import { exitCodeOf } from '@cvc/core';

export function reportFailure(err: unknown, debug: boolean): number {
  const code = exitCodeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`cvc: ${message.split('\n')[0]}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return code;
}
