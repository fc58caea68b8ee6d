// sessionPartition (src/cluster/session-partition.ts): the sessions-topic partition of a consumer
// instance is FNV-1a (32 bit) over the UTF-8 bytes of `group \0 instance`, modulo the partitions.
// Checked against an independent FNV-1a written here from the published algorithm.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sessionPartition } from '../../src/cluster/session-partition.ts';

/** FNV-1a, 32 bit, in BigInt arithmetic: offset basis 2166136261, prime 16777619. */
function fnv1a32(bytes: Uint8Array): bigint {
  let hash = 2166136261n;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * 16777619n) % 2n ** 32n;
  }
  return hash;
}

const utf8 = (text: string) => new TextEncoder().encode(text);

function expectedPartition(group: string, instance: string, partitions: number): number {
  return Number(fnv1a32(utf8(`${group}\u0000${instance}`)) % BigInt(partitions));
}

describe('the reference FNV-1a of this test', () => {
  it('gives the published FNV-1a 32-bit test vectors', () => {
    assert.equal(fnv1a32(utf8('')), 0x811c9dc5n);
    assert.equal(fnv1a32(utf8('a')), 0xe40c292cn);
    assert.equal(fnv1a32(utf8('foobar')), 0xbf9cf968n);
  });
});

describe('sessionPartition', () => {
  it('is the FNV-1a hash itself when the modulus is 2^32', () => {
    for (const [group, instance] of [
      ['g1', 'c1'],
      ['', ''],
      ['orders', 'rest-consumer-0f8fad5b-d9cb-469f-a165-70867728950e'],
    ] as const) {
      assert.equal(sessionPartition({ group, instance }, 2 ** 32), Number(fnv1a32(utf8(`${group}\u0000${instance}`))), `${group}/${instance}`);
    }
  });

  it('gives stable known values', () => {
    // Literal values, so that a change of the hash (which would move every session) shows.
    assert.equal(sessionPartition({ group: 'a', instance: 'b' }, 2 ** 32), Number(fnv1a32(utf8('a\u0000b'))));
    assert.equal(fnv1a32(utf8('a\u0000b')), 0x10f3abd2n);
    assert.equal(sessionPartition({ group: 'a', instance: 'b' }, 2 ** 32), 0x10f3abd2);
    assert.equal(sessionPartition({ group: 'a', instance: 'b' }, 50), 40);
    assert.equal(sessionPartition({ group: 'g1', instance: 'c1' }, 2 ** 32), 0xc190d7ef);
    assert.equal(sessionPartition({ group: 'g1', instance: 'c1' }, 50), 1);
    assert.equal(sessionPartition({ group: 'payments', instance: 'rest-consumer-1' }, 12), 1);
    for (const [group, instance, partitions] of [
      ['g1', 'c1', 50],
      ['g1', 'c2', 50],
      ['g2', 'c1', 50],
      ['payments', 'rest-consumer-1', 12],
      ['payments', 'rest-consumer-2', 12],
      ['payments', 'rest-consumer-3', 7],
      ['x', 'y', 1],
    ] as const) {
      assert.equal(sessionPartition({ group, instance }, partitions), expectedPartition(group, instance, partitions), `${group}/${instance} % ${partitions}`);
    }
  });

  it('is the same on every call', () => {
    const ref = { group: 'g1', instance: 'c1' };
    const first = sessionPartition(ref, 50);
    for (let i = 0; i < 10; i++) assert.equal(sessionPartition({ ...ref }, 50), first);
  });

  it('is always in [0, partitions)', () => {
    for (const partitions of [1, 2, 3, 7, 16, 50, 1000, 2 ** 31 - 1]) {
      for (let i = 0; i < 200; i++) {
        const p = sessionPartition({ group: `group-${i % 13}`, instance: `instance-${i}` }, partitions);
        assert.ok(Number.isInteger(p) && p >= 0 && p < partitions, `${p} of ${partitions}`);
      }
    }
  });

  it('spreads instances over the partitions', () => {
    const hits = new Set<number>();
    for (let i = 0; i < 500; i++) hits.add(sessionPartition({ group: 'g', instance: `rest-consumer-${i}` }, 10));
    assert.equal(hits.size, 10);
  });

  it('does not confuse the group and the instance name', () => {
    // Without the separator both would hash "abc".
    assert.notEqual(fnv1a32(utf8('ab\u0000c')), fnv1a32(utf8('a\u0000bc')));
    assert.notEqual(sessionPartition({ group: 'ab', instance: 'c' }, 2 ** 32), sessionPartition({ group: 'a', instance: 'bc' }, 2 ** 32));
    assert.equal(sessionPartition({ group: 'ab', instance: 'c' }, 2 ** 32), Number(fnv1a32(utf8('ab\u0000c'))));
    assert.equal(sessionPartition({ group: 'a', instance: 'bc' }, 2 ** 32), Number(fnv1a32(utf8('a\u0000bc'))));
    // Swapping group and name is another session.
    assert.notEqual(sessionPartition({ group: 'g1', instance: 'c1' }, 2 ** 32), sessionPartition({ group: 'c1', instance: 'g1' }, 2 ** 32));
  });

  it('hashes non-ASCII names by their UTF-8 bytes', () => {
    for (const [group, instance] of [
      ['grüppe', 'café'],
      ['日本語', 'コンシューマー'],
      ['emoji', '🦆-consumer'],
      ['\u2126', '\u03a9'], // OHM SIGN and GREEK CAPITAL OMEGA: not normalised
    ] as const) {
      assert.equal(sessionPartition({ group, instance }, 2 ** 32), Number(fnv1a32(utf8(`${group}\u0000${instance}`))), `${group}/${instance}`);
      assert.equal(sessionPartition({ group, instance }, 50), expectedPartition(group, instance, 50));
    }
    // UTF-16 code units would differ from UTF-8 bytes here: 'é' is one unit but two bytes.
    assert.equal(utf8('é').length, 2);
    assert.notEqual(sessionPartition({ group: 'g', instance: 'é' }, 2 ** 32), Number(fnv1a32(new Uint8Array([0x67, 0, 0xe9]))));
    assert.notEqual(sessionPartition({ group: '\u2126', instance: 'x' }, 2 ** 32), sessionPartition({ group: '\u03a9', instance: 'x' }, 2 ** 32));
  });
});
