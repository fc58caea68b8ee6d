/**
 * The metrics of cluster mode, registered beside the proxy's own: requests forwarded to the
 * member owning their instance (and how each ended), partitions handed over and taken over with
 * the time each took (rebuilding a partition's sessions from the topic is the "taken over" time),
 * failed writes of the sessions topic, and the cluster's shape as this member sees it.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const HANDOVER_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ClusterMetrics {
  private readonly forwarded: Counter<'command' | 'outcome'>;
  private readonly handovers: Histogram<'kind'>;
  private readonly handedSessions: Counter<'kind'>;
  private readonly logWriteFailures: Counter;
  private readonly restores: Counter;
  private readonly restoredSessions: Counter;

  constructor(
    registry: Registry,
    sample: { members: () => number; ownedPartitions: () => number; pendingRecords: () => number },
  ) {
    const registers = [registry];
    this.forwarded = new Counter({
      name: 'kafka_rest_cluster_forwarded_requests_total',
      help: 'Consumer commands sent to the cluster member owning their instance, by command and outcome (answered, moved: asked again after a view refresh, unreachable).',
      labelNames: ['command', 'outcome'],
      registers,
    });
    this.handovers = new Histogram({
      name: 'kafka_rest_cluster_handover_seconds',
      help: 'Sessions partitions this member released (handed over) or adopted (rebuilt from the sessions topic), and how long each took.',
      labelNames: ['kind'],
      buckets: HANDOVER_BUCKETS,
      registers,
    });
    this.handedSessions = new Counter({ name: 'kafka_rest_cluster_handover_sessions_total', help: 'Consumer instances released or adopted by this member.', labelNames: ['kind'], registers });
    this.logWriteFailures = new Counter({ name: 'kafka_rest_cluster_session_log_failures_total', help: 'Times writing the sessions topic started failing (each outage counts once).', registers });
    this.restores = new Counter({ name: 'kafka_rest_cluster_sessions_topic_restores_total', help: 'Times this member found the sessions topic deleted, created it again and wrote its sessions back.', registers });
    this.restoredSessions = new Counter({ name: 'kafka_rest_cluster_restored_sessions_total', help: 'Consumer instances this member wrote back to a re-created sessions topic.', registers });
    // Every worker of a machine sees the same group: their aggregate (worker-metrics.ts) is the largest, not the sum.
    new Gauge({ name: 'kafka_rest_cluster_members', help: 'Members of the proxy cluster, as this member last saw the group.', registers, aggregator: 'max', collect() { this.set(sample.members()); } });
    new Gauge({ name: 'kafka_rest_cluster_owned_partitions', help: 'Sessions partitions this member serves.', registers, collect() { this.set(sample.ownedPartitions()); } });
    new Gauge({ name: 'kafka_rest_cluster_session_log_pending_records', help: 'Session journal records not yet written to the sessions topic.', registers, collect() { this.set(sample.pendingRecords()); } });
  }

  recordForwarded(command: string, outcome: 'answered' | 'moved' | 'unreachable'): void {
    this.forwarded.inc({ command, outcome });
  }

  recordHandover(kind: 'adopted' | 'released', seconds: number, sessions: number): void {
    this.handovers.observe({ kind }, seconds);
    this.handedSessions.inc({ kind }, sessions);
  }

  recordRestore(sessions: number): void {
    this.restores.inc();
    this.restoredSessions.inc(sessions);
  }

  recordLogWriteFailure(): void {
    this.logWriteFailures.inc();
  }
}
