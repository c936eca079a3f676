/**
 * The security headers of every answer that serves the web console (its
 * index.html, assets and config.json): one Content-Security-Policy without
 * 'unsafe-inline' or 'unsafe-eval' (the console has no inline script or
 * style: console/build.ts writes an index.html of links only), no MIME
 * sniffing, no referrer, no framing. The local gateway
 * (infra/local/console-files.ts) sends them; the AWS hosting sends the same
 * constants, so the two cannot drift.
 */

/**
 * The console's Content-Security-Policy: everything from its own origin;
 * images also from data: and blob: URLs. `connect` adds the origins the
 * page must call beyond its own: the evidence bucket a presigned upload
 * goes to, and the Cognito domain the sign-in exchanges its code with.
 */
export function consoleCsp(connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    ["connect-src 'self'", ...connect].join(' '),
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The CSP with no origin beyond the console's own. */
export const CONSOLE_CSP = consoleCsp();
/** The headers every console answer carries. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** index.html and config.json: revalidated every time (they name the current assets and settings). */
export const NO_CACHE = 'no-cache';
/** Assets carry a content hash in their names (console/build.ts): cached for a year, never revalidated. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
