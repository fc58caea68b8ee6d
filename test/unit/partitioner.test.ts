import assert from 'node:assert/strict';
import { test } from 'node:test';
import { murmur2, partitionForKey } from '../../src/kafka/partitioner.ts';

// Reference values from Apache Kafka's own UtilsTest.testMurmur2 (clients module).
const KAFKA_VECTORS: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

test('murmur2 matches the values Kafka tests its Java implementation with', () => {
  for (const [input, expected] of KAFKA_VECTORS) {
    assert.equal(murmur2(Buffer.from(input)), expected, input);
  }
});

test('murmur2 handles every tail length and the empty input', () => {
  const seen = new Set<number>();
  for (let n = 0; n < 9; n++) seen.add(murmur2(Buffer.alloc(n, 0xff)));
  assert.equal(seen.size, 9, 'distinct inputs of each length hash differently');
});

test('partitionForKey stays in range and is stable for a key', () => {
  for (let count = 1; count < 20; count++) {
    for (let i = 0; i < 50; i++) {
      const key = Buffer.from(`key-${i}`);
      const p = partitionForKey(key, count);
      assert.ok(p >= 0 && p < count);
      assert.equal(partitionForKey(key, count), p);
    }
  }
});
