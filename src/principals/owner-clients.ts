/**
 * With principal propagation, what an owned consumer instance reaches Kafka with: its owner's
 * clients, with the credentials of the owner's last request, looked up at each use (a principal's
 * clients may have been closed and opened again since).
 */
import type { ConsumerDeps } from '../actors/consumer/consumer-actor.ts';
import type { PrincipalClients } from './principal-clients.ts';
import { forwarding } from './scoped.ts';

export function ownerClients(
  principals: PrincipalClients,
  own: ConsumerDeps['fetcher'],
  owner: string,
): Pick<ConsumerDeps, 'fetcher' | 'openReader' | 'createGroupConsumer' | 'topicNames'> {
  return {
    fetcher: forwarding(own, () => principals.of(owner).fetcher),
    // Connections of its own would keep the credentials they were opened with: fetches follow the owner's.
    openReader: null,
    createGroupConsumer: (options) => principals.of(owner).createGroupConsumer(options),
    topicNames: () => principals.of(owner).metadata.topicNames(),
  };
}
