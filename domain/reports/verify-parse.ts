import { ContractSpecSchema, specProblems } from '#contracts';
import { canonicalize } from '#kernel';
import { AuditReportSchema } from './report-schema.ts';
import type { AuditReport } from './types.ts';
import { REPORT_FORMAT } from './types.ts';
import { type Document, messageOf, type ReportCheck, summary } from './verify-context.ts';

/**
 * The first two checks of the offline report verifier: `format` (the bytes
 * are UTF-8 JSON of an audit report of this format, with valid contract
 * terms inside) and `canonical form` (the file is the report's canonical
 * JSON, RFC 8785). A truncated file, text that is not JSON or a document of
 * another shape fails `format`, and nothing else is checked.
 */

export interface Parsed {
  readonly document?: Document;
  /** The contract and period the document names, when it names them. */
  readonly contract?: string;
  readonly period?: string;
}

export function parseReport(bytes: Uint8Array, checks: ReportCheck[]): Parsed {
  const fail = (message: string) => {
    checks.push({ name: 'format', ok: false, message });
    return {};
  };
  if (!(bytes instanceof Uint8Array)) return fail('the report is not bytes');
  if (bytes.byteLength === 0) return fail('the file is empty');
  const text = decodeText(bytes);
  if (typeof text !== 'string') return fail(text.problem);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`the file is not JSON (${messageOf(error)}): a truncated or damaged file?`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('the file is not a JSON object');
  const raw = value as Record<string, unknown>;
  const named = namedIn(raw);
  if (raw.format !== REPORT_FORMAT) {
    fail(`format is ${JSON.stringify(raw.format) ?? 'missing'}, not ${REPORT_FORMAT}: not an audit report`);
    return named;
  }
  const shape = AuditReportSchema.safeParse(raw);
  if (!shape.success) {
    const problems = shape.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    fail(`not an audit report of ${REPORT_FORMAT}: ${summary(problems)}`);
    return named;
  }
  const spec = ContractSpecSchema.safeParse(shape.data.contract.spec);
  if (!spec.success) {
    const problems = specProblems(spec.error).map((p) => `contract.spec.${p.field}: ${p.message}`);
    fail(`the contract terms in the report are not a valid contract spec: ${summary(problems)}`);
    return named;
  }
  checks.push({ name: 'format', ok: true, message: REPORT_FORMAT });
  checks.push(canonicalCheck(raw, text));
  return { document: { raw, report: shape.data as unknown as AuditReport, spec: spec.data, text }, ...named };
}

/** The bytes as UTF-8 text, or why they are not. */
function decodeText(bytes: Uint8Array): string | { problem: string } {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // Cut inside a multi-byte character: the start decodes, the end does not.
    const cut = (() => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
        return true;
      } catch {
        return false;
      }
    })();
    return {
      problem: cut
        ? 'the file ends inside a UTF-8 character: a truncated or damaged file?'
        : 'the file is not UTF-8 text',
    };
  }
}

/** The contract and period ids a document names, whatever else it holds. */
function namedIn(raw: Record<string, unknown>): { contract?: string; period?: string } {
  const id = (raw.contract as { id?: unknown } | undefined)?.id;
  const pid = (raw.period as { id?: unknown } | undefined)?.id;
  return {
    ...(typeof id === 'string' ? { contract: id } : {}),
    ...(typeof pid === 'string' ? { period: pid } : {}),
  };
}

function canonicalCheck(raw: Record<string, unknown>, text: string): ReportCheck {
  let canonical: string | undefined;
  try {
    canonical = canonicalize(raw);
  } catch (error) {
    canonical = `(${messageOf(error)})`;
  }
  return canonical === text
    ? { name: 'canonical form', ok: true }
    : {
        name: 'canonical form',
        ok: false,
        message: 'the file is not the canonical JSON (RFC 8785) of the report: it was re-encoded or edited',
      };
}
