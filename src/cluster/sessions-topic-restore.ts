/**
 * The sessions topic lost what a member wrote: it was deleted (and maybe created again by another
 * member), or a broker without the records became leader. Every member still holds the sessions it
 * owns in its memory journal, so each one creates the topic again if it is missing (the first
 * creates it, the others find it there) and writes back what it owns before anything else happens
 * to those partitions: the sessions come through with their positions, and clients see retriable
 * 503s while it happens.
 */
import type { Logger } from 'pino';
import type { Journal } from '../journal/journal.ts';
import type { SessionTopic } from '../kafka/session-topic.ts';
import type { SessionLog } from './session-log.ts';
import type { OwnerMarker } from './session-records.ts';

/** How long the brokers get to say whether the topic exists; silence is not "lost". */
const CHECK_TIMEOUT_MS = 2_000;
/** How long a topic that exists gets to tell its end offsets (one created a moment ago has no leaders yet). */
const OFFSETS_TIMEOUT_MS = 10_000;
const RECREATE_TIMEOUT_MS = 30_000;

export interface RestoreDeps {
  topic: SessionTopic;
  log: SessionLog;
  journal: Journal;
  logger: Logger;
  /** How long the written-back sessions may take to reach every in-sync replica. */
  flushTimeoutMs: number;
  recordRestore?: (sessions: number) => void;
}

/** What a check found: the topic as this member wrote it, no answer, or lost records (written back, or not: failed). */
export type RestoreOutcome = 'intact' | 'unknown' | 'restored' | 'failed';

/**
 * Writes back the partitions this member `owned`, between `markers.first` and `markers.last`,
 * when the topic is missing or ends below what this member wrote there.
 */
async function restoreIfLost(
  deps: RestoreDeps,
  owned: number[],
  markers: { first: OwnerMarker; last: OwnerMarker },
  /** Runs once a loss is found, before anything is written back: stop serving, let running commands end. */
  beforeWriteBack: () => Promise<void>,
): Promise<RestoreOutcome> {
  const { topic, log, journal, logger, flushTimeoutMs } = deps;
  const exists = await topic.exists(CHECK_TIMEOUT_MS);
  if (exists === null) return 'unknown';
  if (exists) {
    const ends = await topic.endOffsets(OFFSETS_TIMEOUT_MS);
    if (ends === null) return 'unknown';
    if (!log.lostRecords(ends, owned)) return 'intact';
  }
  logger.error(
    { topic: topic.name, owned, exists },
    'the sessions topic lost the records of this member (deleted, or created again): writing back the sessions this member owns; every member does the same for its own. Protect the topic from deletion with an ACL',
  );
  try {
    if (!exists) await topic.recreate(RECREATE_TIMEOUT_MS);
    await topic.renewProducer();
  } catch (error) {
    logger.error({ err: error, topic: topic.name }, 'could not create the sessions topic again: sessions cannot be served until it exists with its partition count');
    return 'failed';
  }
  await beforeWriteBack();
  const sessions = log.rewrite(journal, new Set(owned), markers.first, markers.last);
  const written = await log.flushedWithin(flushTimeoutMs);
  deps.recordRestore?.(sessions);
  if (written) logger.warn({ topic: topic.name, sessions, partitions: owned }, 'the sessions topic holds the sessions this member owns again');
  else logger.error({ topic: topic.name, sessions, pending: log.pending }, 'the sessions topic has not taken the sessions written back yet; they stay queued');
  return 'restored';
}

/**
 * One member's watch over the topic: each check runs `restoreIfLost` for what the member owns
 * then, and remembers when the topic was last found without what had been written to it.
 */
export class SessionsTopicGuard {
  private lossSeenAt = -Infinity;

  constructor(private readonly deps: RestoreDeps) {}

  async check(owned: number[], markers: { first: OwnerMarker; last: OwnerMarker }, beforeWriteBack: () => Promise<void>): Promise<RestoreOutcome> {
    const outcome = await restoreIfLost(this.deps, owned, markers, beforeWriteBack).catch((error: unknown) => {
      this.deps.logger.error({ err: error }, 'restoring the sessions topic failed');
      return 'failed' as const;
    });
    if (outcome === 'restored' || outcome === 'failed') this.lossSeenAt = Date.now();
    return outcome;
  }

  /** Whether a loss was found in the last `ms`: an empty partition's owner may still be writing it back. */
  lostWithin(ms: number): boolean {
    return Date.now() - this.lossSeenAt < ms;
  }
}
