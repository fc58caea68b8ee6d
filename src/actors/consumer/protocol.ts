/**
 * The consumer port's vocabulary: what a caller (the v2 routes today, a remote proxy in cluster
 * mode tomorrow) may ask of a consumer instance, and what it gets back. Everything here is plain
 * JSON, so a command can cross a process boundary unchanged; the deadline is absolute (epoch ms),
 * carried from the caller, and a command still queued when it passes is dropped, never run late.
 */
import type { EmbeddedFormat } from '../../codecs/embedded-format.ts';
import type { TopicPartition, TopicPartitionOffset } from '../../kafka/topic-partition.ts';
import type { InstanceConfig, Subscription } from './session-machine.ts';

export interface ConsumerRef {
  group: string;
  instance: string;
}

export type CommitOffset = TopicPartitionOffset & { metadata?: string | null };
export type TimestampPosition = TopicPartition & { timestamp: number };

export type ConsumerCommand =
  | { type: 'Subscribe'; subscription: Subscription }
  | { type: 'Unsubscribe' }
  | { type: 'GetSubscription' }
  | { type: 'Assign'; partitions: TopicPartition[] }
  | { type: 'GetAssignment' }
  | { type: 'Seek'; offsets: TopicPartitionOffset[]; timestamps: TimestampPosition[] }
  | { type: 'SeekToEdge'; partitions: TopicPartition[]; edge: 'beginning' | 'end' }
  /** null: commit everything delivered so far. */
  | { type: 'Commit'; offsets: CommitOffset[] | null }
  | { type: 'GetCommitted'; partitions: TopicPartition[] }
  /** `format` is the reader the client asked for; it must fit the instance's own. */
  | { type: 'Read'; timeoutMs: number; maxBytes: number; format: EmbeddedFormat }
  /** The response of a read was written (true) or failed (false); answered at once, never queued. */
  | { type: 'Ack'; delivery: string; delivered: boolean }
  /** The caller of request `requestId` went away: drop it, or stop it and put back what it took. */
  | { type: 'Cancel'; requestId: string }
  | { type: 'Delete' }
  | { type: 'Describe' };

export type CommandType = ConsumerCommand['type'];

/** A record of a v2 records response. */
export interface RestRecord {
  topic: string;
  key: unknown;
  value: unknown;
  partition: number;
  offset: number;
  /** Only for instances created with `record.metadata`: the record's timestamp (epoch ms). */
  timestamp?: number;
  /** Only with `record.metadata`: the record's headers, as the Strimzi HTTP Bridge writes them. */
  headers?: RestHeader[];
}

/** A record header in a response: its name, and its bytes in base64 (null for a null value). */
export interface RestHeader {
  key: string;
  value: string | null;
}

export interface ReadAnswer {
  records: RestRecord[];
  /** Id to acknowledge once the response is written; null when nothing was taken. */
  delivery: string | null;
  /**
   * The records already written as a v2 records response body, when they came that way from the
   * member owning the instance (cluster mode): sent on as they are. Never part of the wire form.
   */
  encoded?: Buffer;
}

export interface InstanceDescription {
  group: string;
  name: string;
  config: InstanceConfig;
}

export interface AnswerOf {
  Subscribe: null;
  Unsubscribe: null;
  GetSubscription: string[];
  Assign: null;
  GetAssignment: TopicPartition[];
  Seek: null;
  SeekToEdge: null;
  Commit: null;
  GetCommitted: Array<TopicPartitionOffset & { metadata: string }>;
  Read: ReadAnswer;
  Ack: null;
  Cancel: null;
  Delete: null;
  Describe: InstanceDescription;
}

export interface CommandEnvelope<C extends ConsumerCommand = ConsumerCommand> {
  ref: ConsumerRef;
  /** Unique per caller request, so a Cancel can name it. */
  requestId: string;
  /** Epoch milliseconds after which nobody waits for the answer. */
  deadline: number;
  /** The caller's principal name (undefined when unauthenticated): checked against the instance's owner. */
  principal?: string;
  command: C;
}

/** An error as it travels back: the REST envelope plus the HTTP status. */
export interface WireError {
  error_code: number;
  message: string;
  status: number;
}

export type Answer<T = unknown> = { ok: true; value: T } | { ok: false; error: WireError };

export interface CreateInstance {
  name?: string;
  config: InstanceConfig;
  /** The creating principal's name, when authenticated: the instance's owner. */
  owner?: string;
}

/** Where HTTP adapters send consumer commands; served in-process by the supervisor. */
export interface ConsumerPort {
  create(group: string, request: CreateInstance): Promise<InstanceDescription>;
  ask<C extends ConsumerCommand>(envelope: CommandEnvelope<C>): Promise<AnswerOf[C['type']]>;
}
