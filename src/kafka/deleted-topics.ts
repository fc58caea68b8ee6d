/**
 * kafkajs keeps every topic a client has touched in its metadata target set and asks for all of
 * them on every refresh; once one is deleted, the broker answers UNKNOWN_TOPIC_OR_PARTITION for
 * it and kafkajs fails the whole refresh, so that client can reach no topic at all any more
 * (kafkajs issues #1622, #651): one deleted topic poisoned every producer slot. This heals a
 * client's cluster object: on that error it asks which of its topics still exist, drops the ones
 * that do not from the target set, and refreshes again with the rest. A topic that was asked for
 * just now and does not exist still fails, as it should; a topic that is created again later is
 * simply added again.
 */

interface TopicMetadata {
  topic: string;
}

/** The parts of kafkajs 2.2.4's Cluster and BrokerPool this needs (kafkajs is pinned exactly). */
export interface HealableCluster {
  targetTopics: Set<string>;
  brokerPool: {
    metadata: { topicMetadata: TopicMetadata[] } | null;
    refreshMetadata(topics: string[]): Promise<unknown>;
    findConnectedBroker(): Promise<{ metadata(topics: string[]): Promise<{ topicMetadata: TopicMetadata[] }> }>;
  };
}

const isUnknownTopic = (error: unknown) => (error as { type?: string } | null)?.type === 'UNKNOWN_TOPIC_OR_PARTITION';

export function forgetDeletedTopics<C extends HealableCluster>(cluster: C): C {
  const pool = cluster.brokerPool;
  const refresh = pool.refreshMetadata.bind(pool);
  pool.refreshMetadata = async (topics: string[]) => {
    const known = new Set((pool.metadata?.topicMetadata ?? []).map((t) => t.topic));
    try {
      return await refresh(topics);
    } catch (error) {
      if (!isUnknownTopic(error) || topics.length === 0) throw error;
      // An empty list asks for every topic of the cluster.
      const broker = await pool.findConnectedBroker();
      const existing = new Set((await broker.metadata([])).topicMetadata.map((t) => t.topic));
      const gone = topics.filter((t) => !existing.has(t));
      if (gone.length === 0) throw error;
      for (const topic of gone) cluster.targetTopics.delete(topic);
      // Asked for just now and missing: that caller must hear so (a stale one is only forgotten).
      if (gone.some((t) => !known.has(t))) throw error;
      return refresh(topics.filter((t) => existing.has(t)));
    }
  };
  return cluster;
}
