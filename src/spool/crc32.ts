// Not public: CRC-32 (IEEE, as zlib and gzip compute it) for spool records. Node's native zlib.crc32 when it
// exists (Node 20.15 and newer), else a table-driven fallback with the same results.
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value?: number) => number;

let table: Uint32Array | undefined;

function crc32Fallback(data: Uint8Array, value = 0): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) {
    crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  return ~crc >>> 0;
}

const native = (zlib as unknown as { crc32?: Crc32 }).crc32;

/** The CRC-32 of `data`, continuing from `value` (the CRC of what came before). */
export const crc32: Crc32 = typeof native === 'function' ? native : crc32Fallback;

/** The fallback, exported for its test (it must agree with the native one). */
export { crc32Fallback };
