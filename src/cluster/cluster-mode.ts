/**
 * Assembles cluster mode for one proxy: the sessions journal (in memory, mirrored to the sessions
 * topic), the supervisor of the instances this member owns, the cluster listener other members
 * forward to, and membership of the cluster's Kafka group. Start-up waits (bounded) for the first
 * assignment, so a member that says it is listening already serves its share.
 */
import type { Logger } from 'pino';
import type { ConsumerSupervisor } from '../actors/consumer/supervisor.ts';
import type { ClusterSettings } from '../config/cluster-settings.ts';
import { HttpListeners } from '../http/listeners.ts';
import { Journal } from '../journal/journal.ts';
import { createKafka, type KafkaConfig } from '../kafka/client.ts';
import { ClusterGroup } from '../kafka/cluster-group.ts';
import { SessionTopic } from '../kafka/session-topic.ts';
import { ClusterMetrics } from '../observability/cluster-metrics.ts';
import type { ProxyMetrics } from '../observability/metrics.ts';
import { ClusterNode } from './cluster-node.ts';
import { ClusterPort } from './cluster-port.ts';
import { createClusterApp } from './cluster-routes.ts';
import { RemotePorts } from './remote-port.ts';
import { SessionLog } from './session-log.ts';
import { sessionPartition } from './session-partition.ts';

const FIRST_ASSIGNMENT_WAIT_MS = 30_000;

export interface ClusterModeOptions {
  settings: ClusterSettings;
  kafkaConfig: KafkaConfig;
  proxyId: string;
  bodyMaxBytes: number;
  /** Builds the supervisor of this member's instances over the sessions journal. */
  supervisorFor: (journal: Journal) => ConsumerSupervisor;
  logger: Logger;
  metrics: ProxyMetrics;
}

export interface ClusterMode {
  readonly port: ClusterPort;
  readonly node: ClusterNode;
  readonly supervisor: ConsumerSupervisor;
  readonly journal: Journal;
  /** Where the other members reach this one. */
  readonly url: string;
  /** False while the sessions topic cannot be written. */
  writable(): boolean;
  /** Hands every session over to the other members and leaves the cluster. */
  close(): Promise<void>;
}

export async function startClusterMode({ settings, kafkaConfig, proxyId, bodyMaxBytes, supervisorFor, logger: parent, metrics }: ClusterModeOptions): Promise<ClusterMode> {
  const logger = parent.child({ cluster: settings.name });
  const kafka = createKafka(kafkaConfig, logger);
  const topic = new SessionTopic(kafka, { topic: settings.topic, partitions: settings.partitions, replicationFactor: settings.replicationFactor }, logger);
  await topic.open();
  let clusterMetrics: ClusterMetrics | null = null;
  const log = new SessionLog(topic, (ref) => sessionPartition(ref, topic.partitionCount), logger, { writeFailed: () => clusterMetrics?.recordLogWriteFailure() });
  const journal = Journal.open(':memory:');
  journal.mirror = log;
  const supervisor = supervisorFor(journal);
  const remote = new RemotePorts(settings.secret);
  const node = new ClusterNode({
    topic,
    log,
    journal,
    supervisor,
    handoverTimeoutMs: settings.handoverTimeoutMs,
    logger,
    metrics: {
      recordHandover: (kind, seconds, sessions) => clusterMetrics?.recordHandover(kind, seconds, sessions),
      recordRestore: (sessions) => clusterMetrics?.recordRestore(sessions),
    },
  });
  clusterMetrics = new ClusterMetrics(metrics.registry, {
    members: () => node.members().members.length,
    ownedPartitions: () => node.partitionStates().filter((p) => p.state === 'owned').length,
    pendingRecords: () => log.pending,
  });
  const port = new ClusterPort({ node, supervisor, remote, log, proxyId, waitMs: settings.requestWaitMs, metrics: clusterMetrics });
  const listener = await HttpListeners.open(createClusterApp({ node, port, supervisor, secret: settings.secret, bodyMaxBytes, logger }), [settings.listener], { setting: 'cluster.listener', exclusive: true });
  const url = (settings.advertisedUrl?.href ?? listener.urls[0]!).replace(/\/$/, '');
  node.url = url;

  let first: () => void = () => undefined;
  const firstAssignment = new Promise<void>((resolve) => (first = resolve));
  const group = new ClusterGroup(
    kafka,
    { groupId: settings.groupId, topic: settings.topic, url, sessionTimeoutMs: settings.sessionTimeoutMs, partitionCount: () => topic.partitionCount, owned: () => node.claimed() },
    {
      assigned: (memberId, partitions) => void node.assigned(memberId, partitions).then(first),
      crashed: (error) => node.crashed(error),
    },
    logger,
  );
  node.attach(group);
  await group.start();
  const timer = setTimeout(first, FIRST_ASSIGNMENT_WAIT_MS);
  await firstAssignment;
  clearTimeout(timer);
  logger.info({ url, topic: topic.name, partitions: topic.partitionCount, owned: node.claimed() }, 'joined the proxy cluster');

  return {
    port,
    node,
    supervisor,
    journal,
    url,
    writable: () => !log.failing,
    async close() {
      // Acknowledgements this member still sends to other owners go first: their readers lose nothing.
      await remote.close();
      await node.close();
      await supervisor.close();
      await log.flushedWithin(settings.handoverTimeoutMs);
      log.close();
      await Promise.all([listener.close(1_000), topic.close()]);
      journal.close();
    },
  };
}
