// Minimal typings for the untyped compression packages used by src/kafka/compression.ts.
declare module 'lz4js' {
  const lz4: { compress(input: Uint8Array): Uint8Array; decompress(input: Uint8Array): Uint8Array };
  export default lz4;
}
declare module 'kafkajs-snappy' {
  const codec: () => { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
  export default codec;
}
