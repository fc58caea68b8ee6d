/**
 * What each consumer command does on the Kafka side, and the session events it yields. Runs as
 * the actor's invoked `execute` effect, one command at a time; `decide` has already said the
 * command may run, and the actor checks the events before journaling them.
 */
import { Errors, RestError } from '../../errors.ts';
import { describeKafkaError, type KafkaFailure } from '../../kafka/kafka-error.ts';
import { parseTpKey, tpKey, type TopicPartition, type TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import type { SessionSnapshot } from './decide.ts';
import type { Outcome, Pending } from './pending.ts';
import { read } from './read.ts';
import type { ConsumerRuntime } from './runtime.ts';
import type { SessionEvent } from './session-machine.ts';

export interface ExecuteInput {
  request: Pending;
  session: SessionSnapshot;
  /** The partitions the instance reads now (manual, or the group's). */
  assignment: TopicPartition[];
  /** Journal a Touched event with this command (use moves the expiry deadline). */
  touch: boolean;
  /** Kafka's refusal of the group member, answered to reads that have nothing to read. */
  refusal: KafkaFailure | null;
}

export async function execute(rt: ConsumerRuntime, input: ExecuteInput, signal: AbortSignal): Promise<Outcome> {
  const outcome = await run(rt, input, signal);
  if (input.touch) outcome.events.unshift({ type: 'Touched', at: Date.now() });
  return outcome;
}

const done = (events: SessionEvent[] = [], answer: unknown = null): Outcome => ({ events, answer });

async function run(rt: ConsumerRuntime, { request, session, assignment, refusal }: ExecuteInput, signal: AbortSignal): Promise<Outcome> {
  const { group, positions, subscription, config } = session.context;
  const command = request.command;
  const at = Date.now();
  switch (command.type) {
    case 'Read':
      // As Java's poll() throws the authorization error: the reader learns why nothing comes.
      if (refusal && assignment.length === 0) throw new RestError(refusal.errorCode, refusal.message, refusal.status);
      return read(rt, session, command, signal);
    case 'Subscribe':
      // The old member's records must not land in the new subscription's buffer.
      rt.membership.detach();
      rt.buffer.clear();
      return { ...done([{ type: 'Subscribed', subscription: command.subscription, at }]), membershipChanged: true };
    case 'Unsubscribe':
      return unsubscribe(rt, at);
    case 'Assign':
      if (command.partitions.length === 0) return unsubscribe(rt, at); // assign([]) is unsubscribe() in Java
      return assign(rt, session, command.partitions, at);
    case 'GetSubscription':
      if (!subscription) return done([], []);
      // A pattern subscription lists the topics it currently matches.
      return done([], 'topics' in subscription ? subscription.topics : rt.membership.topics);
    case 'GetAssignment':
      return done([], assignment);
    case 'Seek': {
      const resolved = command.timestamps.length ? await rt.fetcher.offsetsForTimes(command.timestamps) : [];
      return seek(rt, [...command.offsets, ...resolved], at);
    }
    case 'SeekToEdge':
      return seek(rt, await rt.fetcher.edgeOffsets(command.partitions, command.edge).catch(notFound), at);
    case 'Commit': {
      // Kafka stores the next offset to read: an explicit offset is committed +1.
      const offsets = command.offsets
        ? command.offsets.map((o) => ({ ...o, offset: o.offset + 1 }))
        : Object.entries(positions).map(([key, offset]) => ({ ...parseTpKey(key), offset }));
      await rt.commit(group, offsets);
      const committed = offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
      return done([{ type: 'Committed', offsets: committed, at }]);
    }
    case 'AutoCommit': {
      if (!config.autoCommit) return done();
      const changed = Object.entries(positions)
        .filter(([key, offset]) => rt.lastCommitted.get(key) !== offset)
        .map(([key, offset]) => ({ ...parseTpKey(key), offset }));
      await rt.commit(group, changed);
      return done();
    }
    case 'GetCommitted':
      return done([], await rt.fetcher.committed(group, command.partitions));
    default:
      throw new Error(`${command.type} is not run as a queued command`);
  }
}

function unsubscribe(rt: ConsumerRuntime, at: number): Outcome {
  rt.membership.detach();
  rt.buffer.clear();
  return { ...done([{ type: 'Unsubscribed', at }]), membershipChanged: true };
}

/**
 * New partitions start at the group's committed offset, else where auto.offset.reset says;
 * partitions kept from the previous assignment keep their position. Kafka's assign() takes
 * anything; here a partition that does not exist is refused up front.
 */
async function assign(rt: ConsumerRuntime, session: SessionSnapshot, partitions: TopicPartition[], at: number): Promise<Outcome> {
  const { positions, assignment, group, config } = session.context;
  const previous = new Set((assignment ?? []).map(tpKey));
  const kept = partitions.filter((tp) => positions[tpKey(tp)] !== undefined && previous.has(tpKey(tp)));
  const fresh = partitions.filter((tp) => !kept.includes(tp));
  const ends = fresh.length ? await rt.fetcher.edgeOffsets(fresh, 'end').catch(notFound) : [];
  const committed = fresh.length ? await rt.fetcher.committed(group, fresh) : [];
  const uncommitted = fresh.filter((tp) => !committed.some((c) => tpKey(c) === tpKey(tp)));
  const reset =
    config.autoOffsetReset === 'earliest'
      ? await rt.fetcher.edgeOffsets(uncommitted, 'beginning').catch(notFound)
      : ends.filter((e) => uncommitted.some((tp) => tpKey(tp) === tpKey(e)));
  const start: TopicPartitionOffset[] = [...kept.map((tp) => ({ ...tp, offset: positions[tpKey(tp)]! })), ...committed, ...reset].map(
    ({ topic, partition, offset }) => ({ topic, partition, offset }),
  );
  rt.membership.detach();
  rt.buffer.clear();
  for (const o of start) rt.buffer.reposition(o, o.offset);
  return { ...done([{ type: 'Assigned', partitions, positions: start, at }]), membershipChanged: session.context.subscription !== null };
}

function seek(rt: ConsumerRuntime, offsets: TopicPartitionOffset[], at: number): Outcome {
  const plain = offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
  rt.seek(plain);
  return done([{ type: 'PositionsSet', offsets: plain, at }]);
}

/** A partition or topic that does not exist: 404/40402, or 40403 for a topic, as Kafka would say. */
function notFound(error: unknown): never {
  if ((error as { partitionMissing?: boolean }).partitionMissing) throw Errors.partitionNotFound();
  const failure = describeKafkaError(error);
  throw new RestError(failure.errorCode, failure.message, failure.status);
}
