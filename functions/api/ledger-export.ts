/**
 * The export route of the HTTP API (`GET /contracts/{contract}/export`, in
 * the api/ledger handler module): a range of a contract's log as JSON Lines,
 * its entries then the signed checkpoint that covers them, as
 * `sib ledger export` writes it, within what one Lambda answer can carry.
 */
import { IntegrityError, ValidationError } from '#kernel';
import type { HttpResult } from '../shared/middleware.ts';
import { defineRoute } from './http.ts';
import { checkpointAt, requireLog } from './ledger-log.ts';
import { ContractParams, ExportQuery } from './ledger-schemas.ts';

/** The export, at most this many bytes once JSON-escaped into the Lambda answer (whose limit is 6 MB). Tests lower it. */
export const exportSettings = { maxBytes: 5 * 1024 * 1024 };

export const exportLog = defineRoute(
  { params: ContractParams, query: ExportQuery, status: 200, responseType: 'application/x-ndjson' },
  async ({ params, query, rt }): Promise<HttpResult> => {
    const { contract } = params;
    const head = await requireLog(rt, contract);
    const from = query.from ?? 0;
    const to = query.to ?? head.size;
    if (to > head.size) {
      throw new ValidationError(`the log of ${contract} has ${head.size} entries; size ${to} is not available`, [
        { field: 'query.to', message: `must be from ${from + 1} to ${head.size}` },
      ]);
    }
    if (from >= to) {
      throw new ValidationError(`the range ${from}..${to} holds no entries`, [
        { field: 'query.from', message: `must be below ${to}` },
      ]);
    }
    // The checkpoint first: the entries read after it are exactly those it covers (a log only grows).
    const checkpoint = `${JSON.stringify({ checkpoint: await checkpointAt(rt, contract, to) })}\n`;
    const decoder = new TextDecoder();
    const lines: string[] = [];
    // JSON-escaped size: what the body weighs inside the Lambda answer.
    let weight = Buffer.byteLength(JSON.stringify(checkpoint));
    let expected = from;
    for await (const { keySeq, bytes } of rt.log.entries(contract, from, to)) {
      if (keySeq !== expected) throw new IntegrityError(`missing: no entry is stored for seq ${expected}`, expected);
      const line = `${decoder.decode(bytes)}\n`;
      weight += Buffer.byteLength(JSON.stringify(line)) - 2;
      if (weight > exportSettings.maxBytes) {
        const fit = Math.max(1, lines.length);
        throw new ValidationError(
          `the export of entries ${from}..${to - 1} of ${contract} is larger than ${exportSettings.maxBytes} bytes, more than one answer may carry: use \`sib ledger export --contract ${contract}\`, or export ranges with ?from=&to= (e.g. ?from=${from}&to=${from + fit}, then ?from=${from + fit}…)`,
          [{ field: 'query', message: `ask for at most ${fit} entries at a time` }],
        );
      }
      lines.push(line);
      expected++;
    }
    if (expected !== to) throw new IntegrityError(`missing: no entry is stored for seq ${expected}`, expected);
    lines.push(checkpoint);
    const range = query.from === undefined && query.to === undefined ? '' : `-${from}-${to}`;
    return {
      statusCode: 200,
      headers: {
        'content-type': 'application/x-ndjson',
        'content-disposition': `attachment; filename="${contract}${range}.jsonl"`,
      },
      body: lines.join(''),
    };
  },
);
