/**
 * The one exit-status policy of the `sib` command (EXIT_CODES, printed by
 * `sib --help`, every role group's --help and the README), and the wrappers
 * through which every command's action runs: an error becomes one line on
 * standard error (a table of every problem where there are several), never
 * a stack trace (SIB_DEBUG=1 adds it), and its exit status.
 */
import { type Command, CommanderError } from 'commander';
import { ValidationError } from '#kernel';
import type { ApiRole } from '../functions/adapters/local-token.ts';
import { ApiError } from './api-client.ts';
import { type ProblemUnit, problemCounts, problemsTable } from './problems.ts';

/** The exit statuses of every command. */
export const EXIT_CODES: readonly (readonly [number, string])[] = [
  [0, 'success'],
  [
    1,
    "refused or failed: the problem's detail in one line (a table of every problem for 422), or a verification that does not hold",
  ],
  [2, 'usage error: a missing or malformed option or argument'],
  [3, 'not authenticated or not allowed (401/403), or no token to send'],
  [4, 'the API (or the storage its links point to) cannot be reached'],
];

export const EXIT_HELP = `Exit status:\n${EXIT_CODES.map(([code, text]) => `  ${code}  ${text}`).join('\n')}`;

/** Ends a command with an exit status and a one-line message. */
export class Exit extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'Exit';
    this.code = code;
  }
}

/** A usage error (exit 2): the message is followed by where to read the command's help. */
export const usage = (message: string) => new Exit(2, message);

/** Any other error: `error: <message>`, exit 1. */
export function reportError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.SIB_DEBUG === '1' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
}

/** How a command prints a refusal: what a 422's problems count, and the role whose token was sent. */
export interface ActionContext {
  unit: ProblemUnit;
  role?: ApiRole;
}

/** A refusal of the API: exit 3 for 401/403, else 1; one line, or every problem of a 422 in a table. */
function reportApiError(error: ApiError, json: boolean, ctx: ActionContext): void {
  const { problem, status } = error;
  process.exitCode = status === 401 || status === 403 ? 3 : 1;
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...problem, status: problem.status ?? status }, null, 2)}\n`);
    return;
  }
  const detail = (problem.detail || problem.title || `HTTP ${status}`).replace(/\s*\n\s*/g, ' ');
  if (status === 422 && problem.errors !== undefined && problem.errors.length > 0) {
    const more = problemCounts(problem.errors.length, problem.problemCount, problem.problemsByField);
    process.stderr.write(`error: ${detail}\n\n${problemsTable(problem.errors, ctx.unit)}\n${more}`);
    return;
  }
  let line = `error: ${detail}`;
  if (status >= 500) line += ` (HTTP ${status}${problem.requestId ? `, request id ${problem.requestId}` : ''})`;
  if (status === 401 && ctx.role !== undefined) line += ` (a new token: sib login --as ${ctx.role} --contract <id>)`;
  process.stderr.write(`${line}\n`);
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Prints an error the way EXIT_CODES says and sets the exit status; commander's own errors pass through.
 * Without `ctx`, a validation error is its message alone (the host's tools say what is wrong in one line).
 */
function handle(error: unknown, command: Command | undefined, ctx?: ActionContext): void {
  if (error instanceof CommanderError) throw error;
  const json = command?.opts<{ json?: boolean }>().json === true;
  if (error instanceof ApiError) {
    reportApiError(error, json, ctx ?? { unit: 'option' });
  } else if (error instanceof Exit) {
    const help = error.code === 2 && command !== undefined ? ` (see ${commandPath(command)} --help)` : '';
    process.stderr.write(`error: ${error.message}${help}\n`);
    process.exitCode = error.code;
  } else if (error instanceof ValidationError && error.problems.length > 0 && ctx !== undefined) {
    const more = problemCounts(error.problems.length, error.summary?.total, error.summary?.byField);
    process.stderr.write(`error: ${error.message}\n\n${problemsTable(error.problems, ctx.unit)}\n${more}`);
    process.exitCode = 1;
  } else {
    reportError(error);
  }
}

/** The command a commander action was called for: its last argument. */
function commandOf(args: readonly unknown[]): Command | undefined {
  const last = args.at(-1) as { opts?: unknown } | undefined;
  return typeof last?.opts === 'function' ? (last as Command) : undefined;
}

/** Wraps a command's action: whatever it throws becomes its message and exit status (EXIT_CODES). */
export function runAction<Args extends unknown[]>(fn: (...args: Args) => unknown): (...args: Args) => Promise<void> {
  return async (...args) => {
    try {
      await fn(...args);
    } catch (error) {
      handle(error, commandOf(args));
    }
  };
}

/**
 * Wraps the action of a command that calls the API as `role`; the action gets
 * the context first, to say how a 422's problems are counted (records, lines).
 */
export function apiAction<Args extends unknown[]>(
  fn: (ctx: ActionContext, ...args: Args) => Promise<void>,
  role?: ApiRole,
): (...args: Args) => Promise<void> {
  return async (...args) => {
    const ctx: ActionContext = { unit: 'option', ...(role === undefined ? {} : { role }) };
    try {
      await fn(ctx, ...args);
    } catch (error) {
      handle(error, commandOf(args), ctx);
    }
  };
}
