/**
 * Tells operators about the journal's storage: lost history found at start-up (one error line and
 * the `kafka_rest_journal_lost_events` gauge), and writes the storage refuses (one error line when
 * they start failing, naming the fix; one line when they go through again; every failure counted).
 */
import type { Logger } from 'pino';
import type { ProxyMetrics } from '../observability/metrics.ts';
import type { Journal } from './journal.ts';

type JournalMetrics = Pick<ProxyMetrics, 'recordJournalWriteError' | 'setJournalLostEvents'>;

export function monitorJournal(journal: Journal, logger: Logger, metrics: JournalMetrics): void {
  const log = logger.child({ journal: journal.path });
  journal.onWriteFailure = (error, first) => {
    metrics.recordJournalWriteError(error.code);
    if (!first) return;
    log.error(
      { code: error.code, err: error.cause },
      `the journal cannot be written (${error.code}): ${error.hint}. Until then, requests that change consumer instances answer 503 (error code 50303) and readiness reports "journal": false`,
    );
  };
  journal.onWriteRecovered = (failure) => {
    log.info({ failedForMs: Date.now() - failure.since }, 'the journal can be written again');
  };
  journal.onSeqMarkError = (error) => {
    log.warn({ err: error }, `the journal's high-water mark (${journal.path}-seq) cannot be written: lost history will not be detected at the next start; check the disk`);
  };
}

/** Says, once, what the journal lost before this start; `recovered` is how many consumer instances came back. */
export function reportJournalDamage(journal: Journal, logger: Logger, metrics: JournalMetrics, recovered: number): void {
  const { damage } = journal;
  metrics.setJournalLostEvents(damage?.lostEvents ?? 0);
  if (!damage) return;
  logger.error(
    { journal: journal.path, ...damage, recoveredInstances: recovered },
    `the journal lost its last ${damage.lostEvents} events (seq ${damage.foundSeq + 1} to ${damage.expectedSeq}): ` +
      `its -wal file was deleted or damaged after a crash, or an older copy of ${journal.path} was put back. ` +
      `Consumer instances created or changed in that span are missing or older than their clients think: clients get 40403 ` +
      `and must create them again, or may read some records twice; offsets committed to Kafka are not affected. ` +
      `The proxy goes on with the ${recovered} instances that are left; keep the -wal file with the database when copying or cleaning up`,
  );
}
