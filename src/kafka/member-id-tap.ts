/**
 * Reports a group member's id as soon as the coordinator assigns one: kafkajs's joinGroup sends
 * the assigned id in its second JoinGroup request (KIP-394's MEMBER_ID_REQUIRED round), and this
 * sees that request being built. kafkajs builds requests with its broker's `lookupRequest`, which
 * it replaces every time the broker connects again; the tap is an accessor on the broker, so a
 * replaced lookup is tapped too and a rejoin after a lost coordinator connection still reports
 * its id.
 */

/** Kafka's JoinGroup API key. */
const JOIN_GROUP = 11;

type RequestBuilder = (request: { memberId?: string }) => unknown;
type Lookup = (apiKey: number, definitions: unknown) => RequestBuilder;

/** The parts of kafkajs 2.2.4's Broker and Cluster this needs (kafkajs is pinned exactly). */
export interface TappableBroker {
  lookupRequest: Lookup;
}
export interface TappableCluster {
  findGroupCoordinator(request: { groupId: string }): Promise<TappableBroker>;
}

export function tapJoinGroup(cluster: TappableCluster, onMemberId: (memberId: string) => void): void {
  const find = cluster.findGroupCoordinator.bind(cluster);
  const tapped = new WeakSet<TappableBroker>();
  const tap =
    (lookup: Lookup): Lookup =>
    (apiKey, definitions) => {
      const build = lookup(apiKey, definitions);
      if (apiKey !== JOIN_GROUP) return build;
      return (joinRequest) => {
        if (joinRequest.memberId) onMemberId(joinRequest.memberId);
        return build(joinRequest);
      };
    };
  cluster.findGroupCoordinator = async (request) => {
    const broker = await find(request);
    if (!tapped.has(broker)) {
      tapped.add(broker);
      let lookup = tap(broker.lookupRequest.bind(broker));
      Object.defineProperty(broker, 'lookupRequest', {
        configurable: true,
        enumerable: true,
        get: () => lookup,
        set: (replaced: Lookup) => (lookup = tap(replaced)),
      });
    }
    return broker;
  };
}
