/**
 * Confluent's documented v3 answers, as printed: the kafka-rest README's quickstart
 * (https://github.com/confluentinc/kafka-rest) and the v3 API reference's examples
 * (https://docs.confluent.io/cloud/current/ccloud/cluster-v-3/), for v3-doc-examples.test.ts.
 */
export const DOC_CLUSTER = 'xFhUvurESIeeCI87SXWR-Q'; // the README's cluster id
export const DOC_ORIGIN = 'http://localhost:8082';

export const related = (url: string) => ({ related: url });
export const DOC = `${DOC_ORIGIN}/v3/clusters/${DOC_CLUSTER}`;
export const docTopic = (t: string) => ({
  kind: 'KafkaTopic',
  metadata: { self: `${DOC}/topics/${t}`, resource_name: `crn:///kafka=${DOC_CLUSTER}/topic=${t}` },
  cluster_id: DOC_CLUSTER,
  topic_name: t,
  is_internal: false,
  replication_factor: 1,
  partitions_count: 1,
  partitions: related(`${DOC}/topics/${t}/partitions`),
  configs: related(`${DOC}/topics/${t}/configs`),
  partition_reassignments: related(`${DOC}/topics/${t}/partitions/-/reassignment`),
});
// Confluent's TopicData carries authorized_operations too (its reference lists it); the README leaves it out.
export const TOPIC_EXTRA = ['authorized_operations'];

// The README's answers, as printed.
export const README = {
  clusters: {
    kind: 'KafkaClusterList',
    metadata: { self: `${DOC_ORIGIN}/v3/clusters`, next: null },
    data: [
      {
        kind: 'KafkaCluster',
        metadata: { self: DOC, resource_name: `crn:///kafka=${DOC_CLUSTER}` },
        cluster_id: DOC_CLUSTER,
        controller: related(`${DOC}/brokers/0`),
        acls: related(`${DOC}/acls`),
        brokers: related(`${DOC}/brokers`),
        broker_configs: related(`${DOC}/broker-configs`),
        consumer_groups: related(`${DOC}/consumer-groups`),
        topics: related(`${DOC}/topics`),
        partition_reassignments: related(`${DOC}/topics/-/partitions/-/reassignment`),
      },
    ],
  },
  topics: { kind: 'KafkaTopicList', metadata: { self: `${DOC}/topics`, next: null }, data: [docTopic('jsontest')] },
  topic: docTopic('jsontest'),
  produced: (size: number) => ({ error_code: 200, cluster_id: DOC_CLUSTER, topic_name: 'jsontest', partition_id: 0, offset: 0, timestamp: '2023-03-09T14:07:23.592Z', value: { type: 'JSON', size } }),
};

// Example responses of Confluent's v3 reference (cluster-1, topic-1, ... as printed there).
export const CC = 'https://pkc-00000.region.provider.confluent.cloud/kafka/v3/clusters/cluster-1';
export const REFERENCE = {
  partitions: {
    kind: 'KafkaPartitionList',
    metadata: { self: `${CC}/topics/topic-1/partitions`, next: null },
    data: [
      {
        kind: 'KafkaPartition',
        metadata: { self: `${CC}/topics/topic-1/partitions/1`, resource_name: 'crn:///kafka=cluster-1/topic=topic-1/partition=1' },
        cluster_id: 'cluster-1',
        topic_name: 'topic-1',
        partition_id: 1,
        leader: related(`${CC}/topics/topic-1/partitions/1/replicas/1`),
        replicas: related(`${CC}/topics/topic-1/partitions/1/replicas`),
        reassignment: related(`${CC}/topics/topic-1/partitions/1/reassignment`),
      },
    ],
  },
  topicConfig: {
    kind: 'KafkaTopicConfig',
    metadata: { self: `${CC}/topics/topic-1/compression.type`, resource_name: 'crn:///kafka=cluster-1/topic=topic-1/config=compression.type' },
    cluster_id: 'cluster-1',
    topic_name: 'topic-1',
    name: 'compression.type',
    value: 'gzip',
    is_default: false,
    is_read_only: false,
    is_sensitive: false,
    source: 'DYNAMIC_TOPIC_CONFIG',
    synonyms: [{ name: 'compression.type', value: 'gzip', source: 'DYNAMIC_TOPIC_CONFIG' }],
  },
  group: {
    kind: 'KafkaConsumerGroup',
    metadata: { self: `${CC}/consumer-groups/consumer-group-1`, resource_name: 'crn:///kafka=cluster-1/consumer-group=consumer-group-1' },
    cluster_id: 'cluster-1',
    consumer_group_id: 'consumer-group-1',
    is_simple: false,
    partition_assignor: 'org.apache.kafka.clients.consumer.RoundRobinAssignor',
    state: 'STABLE',
    coordinator: related(`${CC}/brokers/1`),
    consumers: related(`${CC}/consumer-groups/consumer-group-1/consumers`),
    lag_summary: related(`${CC}/consumer-groups/consumer-group-1/lag-summary`),
  },
  lag: {
    kind: 'KafkaConsumerLag',
    metadata: { self: `${CC}/consumer-groups/consumer-group-1/lags/topic-1/partitions/1`, resource_name: 'crn:///kafka=cluster-1/consumer-group=consumer-group-1/lag=topic-1/partition=1' },
    cluster_id: 'cluster-1',
    consumer_group_id: 'consumer-group-1',
    topic_name: 'topic-1',
    partition_id: 1,
    consumer_id: 'consumer-1',
    instance_id: 'consumer-instance-1' as string | null,
    client_id: 'client-1',
    current_offset: 1,
    log_end_offset: 101,
    lag: 100,
  },
  lagSummary: {
    kind: 'KafkaConsumerGroupLagSummary',
    metadata: { self: `${CC}/consumer-groups/consumer-group-1/lag-summary`, resource_name: 'crn:///kafka=cluster-1/consumer-groups=consumer-group-1/lag-summary' },
    cluster_id: 'cluster-1',
    consumer_group_id: 'consumer-group-1',
    max_lag_consumer_id: 'consumer-1',
    max_lag_instance_id: 'consumer-instance-1' as string | null,
    max_lag_client_id: 'client-1',
    max_lag_topic_name: 'topic-1',
    max_lag_partition_id: 1,
    max_lag: 100,
    total_lag: 110,
    max_lag_consumer: related(`${CC}/consumer-groups/consumer-group-1/consumers/consumer-1`),
    max_lag_partition: related(`${CC}/topics/topic-1/partitions/1`),
  },
  acls: {
    kind: 'KafkaAclList',
    metadata: { self: `${CC}/acls?principal=alice` },
    data: [
      {
        kind: 'KafkaAcl',
        metadata: { self: `${CC}/acls?resource_type=TOPIC&resource_name=topic-&pattern_type=PREFIXED&principal=alice&host=*&operation=ALL&permission=ALLOW` },
        cluster_id: 'cluster-1',
        resource_type: 'TOPIC',
        resource_name: 'topic-',
        pattern_type: 'PREFIXED',
        principal: 'alice',
        host: '*',
        operation: 'ALL',
        permission: 'ALLOW',
      },
    ],
  },
};
