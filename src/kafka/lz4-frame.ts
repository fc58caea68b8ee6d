/**
 * LZ4 frames as Kafka accepts them. Kafka's reader refuses frames whose blocks depend on earlier
 * blocks, and lz4js's own frame writer makes dependent blocks, so frames are assembled here from
 * lz4js's block compressor: 64 KiB blocks, each with a fresh hash table, flagged independent.
 */
import lz4 from 'lz4js';
import xxh32 from 'lz4js/xxh32.js';

const MAGIC = 0x184d2204;
const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const BD_64KB = 4 << 4;
const BLOCK_SIZE = 64 * 1024;
const UNCOMPRESSED_BIT = 0x80000000;

export function compressFrame(input: Buffer): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(7);
  header.writeUInt32LE(MAGIC, 0);
  header[4] = FLG_VERSION_1 | FLG_BLOCK_INDEPENDENCE;
  header[5] = BD_64KB;
  header[6] = (xxh32.hash(0, header, 4, 2) >>> 8) & 0xff; // header checksum over FLG and BD
  parts.push(header);
  const scratch = Buffer.alloc(lz4.compressBound(BLOCK_SIZE));
  for (let at = 0; at < input.length; at += BLOCK_SIZE) {
    const block = input.subarray(at, Math.min(at + BLOCK_SIZE, input.length));
    const size = lz4.compressBlock(block, scratch, 0, block.length, new Uint32Array(1 << 16));
    const stored = size === 0 || size >= block.length;
    const length = Buffer.alloc(4);
    length.writeUInt32LE(stored ? (UNCOMPRESSED_BIT | block.length) >>> 0 : size, 0);
    parts.push(length, Buffer.from(stored ? block : scratch.subarray(0, size)));
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}

export function decompressFrame(input: Buffer): Buffer {
  return Buffer.from(lz4.decompress(input));
}
