/**
 * The pure rules of a consumer instance: whether a command may run in the session's state
 * (`decide`, asked before any Kafka work starts), and whether the events it produced are ones the
 * session machine accepts (`apply`, asked before anything is journaled). So every journaled event
 * is one the machine takes, and folding the journal gives exactly the live session.
 */
import { transition, type SnapshotFrom } from 'xstate';
import { ErrorCode, RestError } from '../../errors.ts';
import { tpKey, type TopicPartition } from '../../kafka/topic-partition.ts';
import type { EmbeddedFormat } from '../../codecs/embedded-format.ts';
import type { InternalCommand } from './pending.ts';
import type { ConsumerCommand } from './protocol.ts';
import { consumerSessionMachine, sessionState, type SessionEvent } from './session-machine.ts';

export type SessionSnapshot = SnapshotFrom<typeof consumerSessionMachine>;

const SCHEMA_FORMATS = new Set<EmbeddedFormat>(['avro', 'jsonschema', 'protobuf']);

export const illegalState = (detail: string) => new RestError(ErrorCode.IllegalState, `Illegal state: ${detail}`);
const EXCLUSIVE = 'Subscription to topics, partitions and pattern are mutually exclusive';

/** Why `command` cannot run now, or null. `assignment` is what the instance reads at the moment. */
export function decide(session: SessionSnapshot, command: ConsumerCommand | InternalCommand, assignment: TopicPartition[]): RestError | null {
  if (session.status !== 'active') return new RestError(ErrorCode.ConsumerInstanceNotFound, 'Consumer instance not found.');
  const state = sessionState(session.value);
  switch (command.type) {
    case 'Subscribe':
      return state === 'assigned' ? illegalState(EXCLUSIVE) : null;
    case 'Assign':
      return state === 'subscribed' && command.partitions.length > 0 ? illegalState(EXCLUSIVE) : null;
    case 'Read': {
      if (state !== 'subscribed' && state !== 'assigned') {
        return illegalState('Consumer is not subscribed to any topics or assigned any partitions');
      }
      const actual = session.context.config.format;
      // Confluent tells the formats apart by reader class: the schema formats share one.
      if (command.format !== actual && !(SCHEMA_FORMATS.has(command.format) && SCHEMA_FORMATS.has(actual))) {
        return new RestError(
          ErrorCode.ConsumerFormatMismatch,
          'The requested embedded data format does not match the deserializer for this consumer instance',
        );
      }
      return null;
    }
    case 'Seek':
      return unassigned([...command.offsets, ...command.timestamps], assignment);
    case 'SeekToEdge':
      return unassigned(command.partitions, assignment);
    default:
      return null;
  }
}

/** Seeking a partition the consumer does not have is Kafka's IllegalStateException: 40903. */
function unassigned(partitions: TopicPartition[], assignment: TopicPartition[]): RestError | null {
  const current = new Set(assignment.map(tpKey));
  const missing = partitions.find((tp) => !current.has(tpKey(tp)));
  return missing ? illegalState(`No current assignment for partition ${missing.topic}-${missing.partition}`) : null;
}

/** The session after `events`, or null if the machine refuses one of them (nothing is applied then). */
export function apply(session: SessionSnapshot, events: readonly SessionEvent[]): SessionSnapshot | null {
  let next = session;
  for (const event of events) {
    if (!next.can(event)) return null;
    [next] = transition(consumerSessionMachine, next, event);
  }
  return next;
}
