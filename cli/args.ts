/**
 * Parsers of option values shared by the commands: a malformed value is a
 * usage error (commander's message, exit 2), never an exception later on.
 */
import { InvalidArgumentError } from 'commander';
import type { ReportLang } from '#services';
import { usage } from './errors.ts';

/** A seq: a whole number from 0. */
export const seqArg = (value: string) => {
  if (!/^(0|[1-9][0-9]{0,14})$/.test(value)) throw new InvalidArgumentError('must be a whole number from 0.');
  return Number(value);
};

/** A tree size or a count: a whole number from 1. */
export const sizeArg = (value: string) => {
  if (!/^[1-9][0-9]{0,14}$/.test(value)) throw new InvalidArgumentError('must be a positive whole number.');
  return Number(value);
};

export const secondsArg = (value: string) => {
  if (!/^[1-9][0-9]{0,6}$/.test(value)) throw new InvalidArgumentError('must be a number of seconds.');
  return Number(value);
};

/** A repeatable option's values. */
export const collect = (value: string, previous: string[]) => [...previous, value];

/** `--lang`: ru or en. */
export const langArg = (value: string): ReportLang => {
  if (!/^(ru|en)$/.test(value)) throw new InvalidArgumentError('must be ru or en.');
  return value as ReportLang;
};

/** `--payment`: `<seq>` or `<contract>/<seq>` of this contract. */
export function paymentOf(contract: string, id: string): number {
  const m = /^(?:([^/]+)\/)?(0|[1-9][0-9]{0,14})$/.exec(id.trim());
  if (m === null) {
    throw usage(`--payment must be the seq of the payment's evaluation entry, <seq> or ${contract}/<seq>, not ${id}`);
  }
  if (m[1] !== undefined && m[1] !== contract) {
    throw usage(`--payment ${id} is a payment of contract ${m[1]}, not of ${contract}`);
  }
  return Number(m[2]);
}

/** A calendar date option, YYYY-MM-DD. */
export function checkDate(flag: string, value: string | undefined): void {
  if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw usage(`${flag} must be a date YYYY-MM-DD`);
}
