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
  /** Epoch ms after which no further retry starts. */
  deadline: number;
}

const FIRST_BACKOFF_MS = 100; // Java's retry.backoff.ms
const MAX_BACKOFF_MS = 1_000;
/**
 * The least time retries get, whatever the caller's wait: a connection that died with its broker
 * fails at once, and one refresh and reconnect (a few ms when the broker is back) is the cure.
 */
const MIN_RETRY_WINDOW_MS = 1_000;

export function retryBudget(attempts: number, waitMs: number, now = Date.now()): RetryBudget {
  return { attempts, deadline: now + Math.max(waitMs, MIN_RETRY_WINDOW_MS) };
}

/** The pause before retry number `retry` (1 = the first retry), or null when the budget is spent. */
export function retryDelay(retry: number, budget: RetryBudget, now = Date.now()): number | null {
  if (retry >= budget.attempts) return null;
  const delay = Math.min(FIRST_BACKOFF_MS * 2 ** (retry - 1), MAX_BACKOFF_MS);
  return now + delay < budget.deadline ? delay : null;
}

/**
 * Refreshes metadata, waiting at most until the deadline; true if fresh metadata arrived. When it
 * did not, the cluster is out of reach and a retry would only sit through kafkajs's own reconnect
 * backoff (seconds) to fail the same way, so callers give up instead.
 */
export async function refreshWithin(refresh: () => Promise<void>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const refreshed = await Promise.race([
    refresh().then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(deadline - Date.now(), 0)))),
  ]);
  clearTimeout(timer);
  return refreshed;
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
      if (!(await refreshWithin(refresh, budget.deadline))) throw error;
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
