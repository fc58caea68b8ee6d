/**
 * The cluster and its brokers as API v3 shows them (Confluent's ClusterManager and BrokerManager):
 * the id, the controller, and each broker's address and rack. kafkajs's describeCluster leaves
 * the rack out of what the metadata said, so it is read from each broker's own `broker.rack`.
 */
import type { Admin } from '../client.ts';
import { ConfigResourceTypes } from '../client.ts';

export interface Broker {
  brokerId: number;
  host: string;
  port: number;
  /** Null when the broker has no `broker.rack`. */
  rack: string | null;
}

/** The broker id metadata names as controller (under KRaft, a broker that forwards to it); null while none. */
export async function clusterController(admin: Admin): Promise<number | null> {
  return (await admin.describeCluster()).controller ?? null;
}

/** Every broker of the cluster, by id. */
export async function listBrokers(admin: Admin): Promise<Broker[]> {
  const { brokers } = await admin.describeCluster();
  const sorted = [...brokers].sort((a, b) => a.nodeId - b.nodeId);
  const racks = await Promise.all(sorted.map((broker) => rackOf(admin, broker.nodeId)));
  return sorted.map((broker, i) => ({ brokerId: broker.nodeId, host: broker.host, port: broker.port, rack: racks[i]! }));
}

/** One broker, or null when the cluster has none of that id. */
export async function describeBroker(admin: Admin, brokerId: number): Promise<Broker | null> {
  const { brokers } = await admin.describeCluster();
  const broker = brokers.find((b) => b.nodeId === brokerId);
  if (!broker) return null;
  return { brokerId, host: broker.host, port: broker.port, rack: await rackOf(admin, brokerId) };
}

/** The ids of the cluster's brokers, in order. */
export async function brokerIds(admin: Admin): Promise<number[]> {
  const { brokers } = await admin.describeCluster();
  return brokers.map((b) => b.nodeId).sort((a, b) => a - b);
}

/** A broker that does not answer its describe is listed without a rack rather than failing the list. */
async function rackOf(admin: Admin, brokerId: number): Promise<string | null> {
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokerId), configNames: ['broker.rack'] }],
    });
    return resources[0]?.configEntries.find((e) => e.configName === 'broker.rack')?.configValue ?? null;
  } catch {
    return null;
  }
}
