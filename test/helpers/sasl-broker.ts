/**
 * A SASL/ACL broker of a test's own (LocalBroker's `sasl` mode): SASL_PLAINTEXT with PLAIN and
 * SCRAM-SHA-512 for the given users, StandardAuthorizer with no ACL allowing anything at first.
 * The helper gives native kafkajs configs per user and mechanism, and grants or denies ACLs as the
 * broker's super user; `allow`/`deny` return once the broker's authorizer applies the binding.
 */
import kafkajs, { type KafkaConfig } from 'kafkajs';
import { aclActions, aclAdmin, type AclOperation, type AclResource } from './acl-admin.ts';
import type { LocalBroker } from '../../src/broker/local-broker.ts';
import { startOwnBroker, type OwnBroker } from './own-broker.ts';

const { logLevel } = kafkajs;

export type SaslMechanism = 'plain' | 'scram-sha-512';

export type { AclOperation, AclResource } from './acl-admin.ts';

export interface SaslBroker extends OwnBroker {
  broker: LocalBroker;
  bootstrapServers: string;
  /** The users the broker was started with, name → password. */
  users: Record<string, string>;
  /** A kafkajs config for the broker's super user (PLAIN): creates topics and ACLs, bypasses ACLs. */
  superUser: KafkaConfig;
  /** A kafkajs config that logs `user` in with `password` over `mechanism`. */
  kafkaConfigFor(user: string, password: string, mechanism: SaslMechanism): KafkaConfig;
  /** Grants `principal` (e.g. `User:alice`) the operations on the resource, from any host. */
  allow(principal: string, resource: AclResource, operations: AclOperation[]): Promise<void>;
  /** Denies them; a DENY wins over any ALLOW, a super user's excepted. */
  deny(principal: string, resource: AclResource, operations: AclOperation[]): Promise<void>;
  /** Creates a topic as the super user and waits for its leaders. */
  createTopic(name: string, partitions?: number): Promise<string>;
}

/**
 * Starts the broker (one per test file: it takes several seconds). `superUsers` are names from
 * `users` that bypass ACLs besides the broker's own super user.
 */
export async function startSaslBroker(name: string, users: Record<string, string>, superUsers: string[] = []): Promise<SaslBroker> {
  const own = await startOwnBroker(name, { autoCreateTopics: false, sasl: { users, superUsers } });
  const { broker } = own;
  const credentials = broker.superUser!;
  const kafkaConfigFor = (user: string, password: string, mechanism: SaslMechanism): KafkaConfig => {
    // Spelled out per mechanism: kafkajs types `sasl` as a union keyed on the mechanism.
    const sasl = mechanism === 'plain' ? { mechanism, username: user, password } : { mechanism, username: user, password };
    return { brokers: [broker.bootstrapServers], clientId: `test-${user}`, logLevel: logLevel.NOTHING, sasl };
  };
  const superUser = kafkaConfigFor(credentials.username, credentials.password, 'plain');
  const admin = aclAdmin(superUser);
  return {
    ...own,
    bootstrapServers: broker.bootstrapServers,
    users,
    superUser,
    kafkaConfigFor,
    ...aclActions(admin),
    remove: async () => {
      await admin.close();
      await own.remove();
    },
  };
}
