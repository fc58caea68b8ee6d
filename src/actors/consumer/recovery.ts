/**
 * Rebuilds consumer sessions from the journal without side effects: the latest snapshot, then
 * every later event folded in with XState's pure `initialTransition()` / `transition()`. Nothing
 * is started and nothing talks to Kafka here.
 */
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import type { Journal } from '../../journal/journal.ts';
import { consumerSessionMachine, type SessionContext, type SessionEvent, type SessionInput } from './session-machine.ts';

export type SessionSnapshot = SnapshotFrom<typeof consumerSessionMachine>;

export interface StoredSnapshot {
  value: SessionSnapshot['value'];
  context: SessionContext;
}

/** The session's state as the journal tells it, or null if the journal holds no creation for it. */
export function foldSession(journal: Journal, actorId: string): SessionSnapshot | null {
  const stored = journal.readSnapshot<StoredSnapshot>(actorId);
  let state: SessionSnapshot | null = stored ? consumerSessionMachine.resolveState(stored.snapshot) : null;
  for (const entry of journal.read({ actorId, afterSeq: stored?.seq })) {
    if (entry.type === 'Created') {
      [state] = initialTransition(consumerSessionMachine, entry.payload as SessionInput);
    } else if (state) {
      [state] = transition(consumerSessionMachine, state, { type: entry.type, ...(entry.payload as object) } as SessionEvent);
    }
  }
  return state;
}
