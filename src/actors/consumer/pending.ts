/**
 * What a consumer actor holds for the requests it serves: a queued request with its reply
 * channel, the outcome of running one, and a delivery waiting for its acknowledgement.
 */
import type { RestError } from '../../errors.ts';
import type { TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import type { Answer, ConsumerCommand } from './protocol.ts';
import type { SessionEvent } from './session-machine.ts';

/** Commands the actor gives itself; callers cannot send them. */
export type InternalCommand = { type: 'AutoCommit' };

export interface Pending {
  id: string;
  command: ConsumerCommand | InternalCommand;
  /** Epoch ms; past it the request is answered with an error and never run. */
  deadline: number;
  reply: (answer: Answer) => void;
  internal?: boolean;
}

/** Records a read took, by partition: where each started (to put back) and where it ended. */
export interface Delivery {
  id: string;
  first: TopicPartitionOffset[];
  next: TopicPartitionOffset[];
  /** Records and key+value bytes per topic, counted in metrics once delivered. */
  perTopic: Record<string, { records: number; bytes: number }>;
}

export interface Outcome {
  /** Session events to journal, in order; checked by the session machine first. */
  events: SessionEvent[];
  answer: unknown;
  delivery?: Delivery | null;
  /** The subscription changed: the group membership starts over. */
  membershipChanged?: boolean;
  read?: { at: number; records: number; bytes: number };
}

export function errorAnswer(error: RestError): Answer<never> {
  return { ok: false, error: { error_code: error.errorCode, message: error.message, status: error.status } };
}
