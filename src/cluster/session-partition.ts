/**
 * Which partition of the sessions topic a consumer instance lives on: a pure function of its group
 * and name, so every member computes the same owner for a reference without asking anyone. The
 * hash is FNV-1a (32 bit) over the UTF-8 bytes of `group \0 name`: stable across processes and
 * versions, and the partition count is fixed when the topic is created.
 */
import type { ConsumerRef } from '../actors/consumer/protocol.ts';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export function sessionPartition(ref: ConsumerRef, partitions: number): number {
  let hash = FNV_OFFSET;
  for (const byte of Buffer.from(`${ref.group}\u0000${ref.instance}`, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash % partitions;
}
