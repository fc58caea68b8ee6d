/**
 * Which fetched records a consumer gets to see, per isolation level: the Java consumer's rules
 * (CompletedFetch.nextFetchedRecord), applied to kafkajs's decoded fetch response. kafkajs
 * flattens record batches into messages that each carry their batch header (`batchContext`), so
 * the batches are put back together here first; Kafka decides abortion per batch, not per record.
 *
 * With read_committed the broker returns data up to the last stable offset plus the list of
 * transactions aborted in that range (producer id + first offset); their batches stay in the log
 * and must be dropped by the client. Control batches (commit/abort markers) are never returned.
 */
import type { InternalAbortedTransaction, InternalFetchedMessage, InternalRecordBatch } from './client.ts';

export type IsolationLevel = 'read_committed' | 'read_uncommitted';

/** Kafka's wire values for the Fetch and ListOffsets isolation_level field. */
export const ISOLATION_LEVEL_CODES: Readonly<Record<IsolationLevel, number>> = { read_uncommitted: 0, read_committed: 1 };

export interface VisibleRecords {
  messages: InternalFetchedMessage[];
  /** Where the next fetch starts: past the last whole batch, dropped ones included; null if none came. */
  nextOffset: number | null;
}

interface Batch {
  header: InternalRecordBatch | undefined;
  lastOffset: number;
  messages: InternalFetchedMessage[];
}

export function visibleRecords(
  messages: InternalFetchedMessage[],
  abortedTransactions: InternalAbortedTransaction[] | null | undefined,
  fetchOffset: number,
  isolationLevel: IsolationLevel,
): VisibleRecords {
  const readCommitted = isolationLevel === 'read_committed';
  // Java keeps these in a priority queue by first offset; the broker sends them in log order anyway.
  const pendingAborts = readCommitted ? [...(abortedTransactions ?? [])].sort((a, b) => Number(a.firstOffset) - Number(b.firstOffset)) : [];
  const abortedProducers = new Set<string>();
  const visible: InternalFetchedMessage[] = [];
  let nextOffset: number | null = null;

  for (const batch of batchesOf(messages)) {
    if (batch.lastOffset >= fetchOffset) nextOffset = Math.max(nextOffset ?? 0, batch.lastOffset + 1);
    const header = batch.header;
    if (readCommitted && header && Number(header.producerId) >= 0) {
      // A transaction counts as aborted from its first offset until its producer's abort marker.
      while (pendingAborts.length > 0 && Number(pendingAborts[0]!.firstOffset) <= batch.lastOffset) {
        abortedProducers.add(pendingAborts.shift()!.producerId);
      }
      if (header.isControlBatch && isAbortMarker(batch.messages[0])) abortedProducers.delete(header.producerId);
      else if (header.inTransaction && abortedProducers.has(header.producerId)) continue;
    }
    if (header?.isControlBatch || batch.messages[0]?.isControlRecord) continue;
    for (const message of batch.messages) if (Number(message.offset) >= fetchOffset) visible.push(message);
  }
  return { messages: visible, nextOffset };
}

/** Consecutive messages of one batch share its header; legacy messages (no header) stand alone. */
function batchesOf(messages: InternalFetchedMessage[]): Batch[] {
  const batches: Batch[] = [];
  for (const message of messages) {
    const header = message.batchContext;
    const last = batches.at(-1);
    if (header && last?.header && last.header.firstOffset === header.firstOffset) {
      last.messages.push(message);
      continue;
    }
    const lastOffset = header ? Number(header.firstOffset) + header.lastOffsetDelta : Number(message.offset);
    batches.push({ header, lastOffset, messages: [message] });
  }
  return batches;
}

/** A control record's key is version (int16) then type (int16): 0 is ABORT, 1 is COMMIT. */
function isAbortMarker(message: InternalFetchedMessage | undefined): boolean {
  const key = message?.key;
  return !!key && key.length >= 4 && key.readInt16BE(2) === 0;
}
