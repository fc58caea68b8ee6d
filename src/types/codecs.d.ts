// Minimal typings for the untyped compression packages used by src/kafka.
declare module 'lz4js' {
  const lz4: {
    compress(input: Uint8Array): Uint8Array;
    decompress(input: Uint8Array): Uint8Array;
    compressBound(size: number): number;
    compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, hashTable: Uint32Array): number;
  };
  export default lz4;
}
declare module 'lz4js/xxh32.js' {
  const xxh32: { hash(seed: number, data: Uint8Array, offset: number, length: number): number };
  export default xxh32;
}
declare module 'kafkajs-snappy' {
  const codec: () => { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
  export default codec;
}
