/** Error handling shared by every command group: users see one line, not a stack trace. */
import { CommanderError } from 'commander';

export function reportError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error: ${message}`);
  if (process.env.SIB_DEBUG === '1' && error instanceof Error && error.stack) console.error(error.stack);
  process.exitCode = 1;
}

/** Wraps a commander action: a thrown error prints `error: <message>` and sets exit code 1. */
export function runAction<Args extends unknown[]>(fn: (...args: Args) => unknown): (...args: Args) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args);
    } catch (error) {
      // Usage errors stay commander's (its own message and exit code).
      if (error instanceof CommanderError) throw error;
      reportError(error);
    }
  };
}
