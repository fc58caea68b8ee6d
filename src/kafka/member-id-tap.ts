/**
 * Reports a group member's id as soon as the coordinator assigns one: kafkajs's joinGroup sends
 * the assigned id in its second JoinGroup request (KIP-394's MEMBER_ID_REQUIRED round), and this
 * sees that request being built. The tap stays on the coordinator's request lookup when kafkajs
 * replaces it on a reconnect (broker-lookup.ts), so a rejoin after a lost coordinator connection
 * still reports its id.
 */
import { interceptLookups, type LookupBroker, type RequestLookup } from './broker-lookup.ts';

/** Kafka's JoinGroup API key. */
const JOIN_GROUP = 11;

/** The part of kafkajs 2.2.4's Cluster this needs (kafkajs is pinned exactly). */
export interface TappableCluster {
  findGroupCoordinator(request: { groupId: string }): Promise<LookupBroker>;
}

export function tapJoinGroup(cluster: TappableCluster, onMemberId: (memberId: string) => void): void {
  const find = cluster.findGroupCoordinator.bind(cluster);
  const tapped = new WeakSet<LookupBroker>();
  const tap =
    (lookup: RequestLookup): RequestLookup =>
    (apiKey, definitions) => {
      const build = lookup(apiKey, definitions);
      if (apiKey !== JOIN_GROUP) return build;
      return (joinRequest) => {
        if (typeof joinRequest.memberId === 'string' && joinRequest.memberId) onMemberId(joinRequest.memberId);
        return build(joinRequest);
      };
    };
  cluster.findGroupCoordinator = async (request) => {
    const broker = await find(request);
    if (!tapped.has(broker)) {
      tapped.add(broker);
      interceptLookups(broker, tap);
    }
    return broker;
  };
}
