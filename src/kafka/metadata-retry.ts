/**
 * Retrying after the client's picture of the cluster went stale: a partition leader moved, a
 * broker restarted (its old connection is dead), a group coordinator changed. Java's clients
 * refresh metadata and retry after such errors; kafkajs's cluster hands them to us instead, so the
 * partition fetcher refreshes and retries itself, within a small, bounded budget.
 */
import { rootCause } from './kafka-error.ts';

/** Protocol errors that fresh metadata (a new leader or coordinator) can cure. kafkajs uses old names. */
const STALE_METADATA_TYPES = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'REPLICA_NOT_AVAILABLE',
  'KAFKA_STORAGE_ERROR',
  'OFFSET_NOT_AVAILABLE',
  'BROKER_NOT_AVAILABLE',
  'REQUEST_TIMED_OUT',
  'NOT_COORDINATOR_FOR_GROUP',
  'NOT_COORDINATOR',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  'COORDINATOR_LOAD_IN_PROGRESS',
]);

/** kafkajs client-side errors of the same kind: a dead connection, or metadata that names no broker. */
const STALE_CONNECTION_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSGroupCoordinatorNotFound',
]);

export function needsFreshMetadata(error: unknown): boolean {
  const cause = rootCause(error);
  return STALE_METADATA_TYPES.has(cause.type ?? '') || STALE_CONNECTION_NAMES.has(cause.name ?? '');
}

export interface RetryBudget {
  /** Tries in all, the first included. */
  attempts: number;
  /** Epoch ms after which no further retry starts (the first retry always does: see below). */
  deadline: number;
}

const FIRST_BACKOFF_MS = 100; // Java's retry.backoff.ms
const MAX_BACKOFF_MS = 1_000;
/** A refresh may outlive the budget's deadline by this much: without it the retry is pointless. */
const MIN_REFRESH_WAIT_MS = 1_000;

/**
 * The pause before retry number `retry` (1 = the first retry), or null when the budget is spent.
 * The first retry is always allowed, even past the deadline: a connection that died with its
 * broker fails instantly, and one reconnect is all the caller needs.
 */
export function retryDelay(retry: number, budget: RetryBudget, now = Date.now()): number | null {
  if (retry >= budget.attempts) return null;
  const delay = Math.min(FIRST_BACKOFF_MS * 2 ** (retry - 1), MAX_BACKOFF_MS);
  if (retry > 1 && now + delay >= budget.deadline) return null;
  return delay;
}

/**
 * Refreshes metadata, waiting at most until the deadline (or MIN_REFRESH_WAIT_MS): kafkajs's own
 * reconnect retries can take far longer than a caller's wait while a broker is down. A failed
 * refresh is not an error of its own; the retry that follows reports what is wrong.
 */
export async function refreshWithin(refresh: () => Promise<void>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const wait = Math.max(deadline - Date.now(), MIN_REFRESH_WAIT_MS);
  await Promise.race([
    refresh().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, wait))),
  ]);
  clearTimeout(timer);
}

/** Runs `work`, refreshing metadata and retrying after stale-metadata errors while the budget lasts. */
export async function withFreshMetadata<T>(work: () => Promise<T>, refresh: () => Promise<void>, budget: RetryBudget): Promise<T> {
  for (let retry = 1; ; retry++) {
    try {
      return await work();
    } catch (error) {
      const delay = needsFreshMetadata(error) ? retryDelay(retry, budget) : null;
      if (delay === null) throw error;
      await sleep(delay);
      await refreshWithin(refresh, budget.deadline);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
