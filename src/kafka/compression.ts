/**
 * Registers the codecs kafkajs lacks (it only ships gzip): snappy, lz4 and zstd, all pure JS or
 * WebAssembly so `npm ci` needs no native toolchain for them. Consumers need them too: a topic may
 * hold batches compressed by any producer.
 */
import zstd from '@bokuweb/zstd-wasm';
import { decompress as zstdDecompress } from 'fzstd';
import snappy from 'kafkajs-snappy';
import { CompressionCodecs, CompressionTypes } from './client.ts';
import { compressFrame, decompressFrame } from './lz4-frame.ts';

export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

const ZSTD_LEVEL = 3; // Kafka's default level

interface Encoder {
  buffer: Buffer;
}

let registered: Promise<void> | null = null;

/** Idempotent; resolves once every codec can be used. */
export function registerCompressionCodecs(): Promise<void> {
  registered ??= (async () => {
    await zstd.init();
    CompressionCodecs[CompressionTypes.Snappy] = snappy;
    CompressionCodecs[CompressionTypes.LZ4] = () => ({
      compress: async (encoder: Encoder) => compressFrame(encoder.buffer),
      decompress: async (buffer: Buffer) => decompressFrame(buffer),
    });
    CompressionCodecs[CompressionTypes.ZSTD] = () => ({
      compress: async (encoder: Encoder) => Buffer.from(zstd.compress(encoder.buffer, ZSTD_LEVEL)),
      decompress: async (buffer: Buffer) => Buffer.from(zstdDecompress(buffer)),
    });
  })();
  return registered;
}

/** The kafkajs codec id for a Kafka `compression.type`. */
export function compressionCodec(type: CompressionType): number {
  switch (type) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
  }
}
