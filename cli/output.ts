/** Writing a command's answer to standard output: a line of text, or JSON for scripts. */

export function say(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
