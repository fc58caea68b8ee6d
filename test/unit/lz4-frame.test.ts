import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { compressFrame, decompressFrame } from '../../src/kafka/lz4-frame.ts';

test('lz4 frames round-trip across block boundaries, compressible or not', () => {
  const inputs = [
    Buffer.alloc(0),
    Buffer.from('a'),
    Buffer.from('kafka '.repeat(40_000)), // several 64 KiB blocks, compressible
    randomBytes(150_000), // incompressible: stored blocks
  ];
  for (const input of inputs) {
    const frame = compressFrame(input);
    assert.deepEqual(decompressFrame(frame), input);
  }
  assert.ok(compressFrame(inputs[2]!).length < inputs[2]!.length / 10);
});

test('frames declare independent blocks, which Kafka requires', () => {
  const frame = compressFrame(Buffer.from('x'.repeat(1000)));
  assert.equal(frame.readUInt32LE(0), 0x184d2204);
  assert.equal(frame[4]! & 0x20, 0x20, 'block independence flag');
  assert.equal(frame[4]! & 0xc0, 0x40, 'version 01');
});
