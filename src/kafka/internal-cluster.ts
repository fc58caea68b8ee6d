/**
 * kafkajs's own cluster object, as the proxy uses it. kafkajs has no public manual assignment or
 * low-level fetch, but its cluster can fetch, commit and leave a group for us without joining
 * one — what Java's `assign()` does. kafkajs is pinned to 2.2.4 exactly, so these internals cannot
 * move under us. The interfaces below are our contract with that cluster (a test can implement
 * them with a fake); `createInternalCluster` in client.ts makes the real one.
 */
export interface InternalBroker {
  /** Unlike kafkajs's broker.fetch, never throws for a partition's error: each keeps its errorCode. */
  fetch(request: {
    /** 0 = READ_UNCOMMITTED, 1 = READ_COMMITTED. */
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<{ errorCode?: number; responses: Array<{ topicName: string; partitions: InternalFetchedPartition[] }> }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string; metadata?: string | null }> }>;
  }): Promise<unknown>;
  /** Throws the first partition's error, if any (kafkajs's parse). */
  offsetFetch(request: { groupId: string; topics: Array<{ topic: string; partitions: Array<{ partition: number }> }> }): Promise<{
    responses: Array<{ topic: string; partitions: Array<{ partition: number; offset: string; metadata: string | null }> }>;
  }>;
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}

/** The header of the record batch a message came in (kafkajs flattens batches into messages). */
export interface InternalRecordBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  /** "-1" when the producer is neither idempotent nor transactional. */
  producerId: string;
  inTransaction: boolean;
  isControlBatch: boolean;
}

export interface InternalFetchedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  /** As kafkajs decodes them: one entry per name, a list when the name repeats (see record-headers.ts). */
  headers?: Record<string, Buffer | null | Array<Buffer | null>>;
  isControlRecord?: boolean;
  /** Absent for the legacy message format (magic 0 and 1), which has no transactions. */
  batchContext?: InternalRecordBatch;
}

export interface InternalAbortedTransaction {
  producerId: string;
  firstOffset: string;
}

export interface InternalFetchedPartition {
  partition: number;
  errorCode: number;
  highWatermark: string;
  lastStableOffset?: string;
  /** Only with READ_COMMITTED (Fetch v4+): transactions aborted within the returned range. */
  abortedTransactions?: InternalAbortedTransaction[] | null;
  messages: InternalFetchedMessage[];
}

export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number; leader: number }>;
  findBroker(request: { nodeId: string | number }): Promise<InternalBroker>;
  findGroupCoordinator(request: { groupId: string }): Promise<InternalBroker>;
  /** ListOffsets at the partitions' leaders, with the cluster's isolation level (end = LSO when read_committed). */
  fetchTopicsOffset(
    topics: Array<{ topic: string; partitions: Array<{ partition: number }>; fromBeginning?: boolean; fromTimestamp?: number }>,
  ): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}
