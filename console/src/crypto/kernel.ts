/** Placeholder: the browser's kernel crypto (WebCrypto); the exports of domain/kernel/crypto.ts. */
const pending = (): never => {
  throw new Error('browser crypto: not built yet');
};
export const sha256 = (..._parts: Uint8Array[]): Uint8Array => pending();
export const sha256Binary = (_data: Uint8Array): string => pending();
export const createSha256 = () => pending();
export type SecretKey = never;
export const secretKey = (_b: Uint8Array): SecretKey => pending();
export const hmacSha256 = (_k: unknown, _d: unknown): Uint8Array => pending();
export const ED25519_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
export const ed25519Verify = (_p: Uint8Array, _m: Uint8Array, _s: Uint8Array): boolean => pending();
/** Placeholder until the kernel helper's WebCrypto lands: runs the function once. */
export async function withWebCrypto<T>(fn: () => T | Promise<T>): Promise<T> {
  return fn();
}
