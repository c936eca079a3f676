/** Reading a large log export for offline verification (`sib ledger verify --file`, the benchmarks). */
import { open } from 'node:fs/promises';

/**
 * Reads an export file into a fresh buffer at offset 1, leaving byte 0 spare
 * for verifyExportBytes(…, { spareFirstByte: true }): no second copy of a
 * large export.
 */
export async function readExportFile(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const buf = new Uint8Array(size + 1);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await file.read(buf, 1 + offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buf.subarray(0, 1 + offset);
  } finally {
    await file.close();
  }
}
