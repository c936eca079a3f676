import canonicalizeImpl from 'canonicalize';
import { utf8 } from './bytes.ts';

/**
 * RFC 8785 (JCS) canonical JSON text of a JSON value. Throws TypeError for
 * values JSON cannot carry exactly (undefined, functions, bigint, NaN, Infinity).
 */
export function canonicalize(value: unknown): string {
  const text = (canonicalizeImpl as (v: unknown) => string | undefined)(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalize(value));
}
