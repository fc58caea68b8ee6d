/**
 * A SASL/ACL broker of a test's own (LocalBroker's `sasl` mode): SASL_PLAINTEXT with PLAIN and
 * SCRAM-SHA-512 for the given users, StandardAuthorizer with no ACL allowing anything at first.
 * The helper gives native kafkajs configs per user and mechanism, and grants or denies ACLs as the
 * broker's super user; `allow`/`deny` return once the broker's authorizer applies the binding.
 */
import kafkajs, { type Admin, type KafkaConfig } from 'kafkajs';
import type { LocalBroker } from '../../src/broker/local-broker.ts';
import { startOwnBroker, type OwnBroker } from './own-broker.ts';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes } = kafkajs;

export type SaslMechanism = 'plain' | 'scram-sha-512';

/** What an ACL binds to: a topic or a consumer group, by exact name (LITERAL) or by PREFIXED name. */
export interface AclResource {
  type: 'topic' | 'group';
  name: string;
  pattern?: 'literal' | 'prefixed';
}

export type AclOperation = keyof typeof AclOperationTypes;

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
  let admin: Admin | null = null;
  const connectedAdmin = async (): Promise<Admin> => {
    if (!admin) {
      const created = new Kafka(superUser).admin();
      await created.connect();
      admin = created;
    }
    return admin;
  };
  const bind = async (permission: 'ALLOW' | 'DENY', principal: string, resource: AclResource, operations: AclOperation[]) => {
    const client = await connectedAdmin();
    const resourceType = resource.type === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP;
    const resourcePatternType = resource.pattern === 'prefixed' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL;
    const permissionType = AclPermissionTypes[permission];
    const acl = operations.map((operation) => ({
      resourceType,
      resourceName: resource.name,
      resourcePatternType,
      principal,
      host: '*',
      operation: AclOperationTypes[operation],
      permissionType,
    }));
    await client.createAcls({ acl });
    // The controller has committed the bindings; DescribeAcls answers from the broker's own
    // authorizer, so once it lists them all, requests are authorized with them.
    for (;;) {
      const { resources } = await client.describeAcls({ resourceType, resourceName: resource.name, resourcePatternType, principal, host: '*', operation: AclOperationTypes.ANY, permissionType });
      const seen = new Set(resources.flatMap((r) => r.acls.map((a) => a.operation)));
      if (acl.every((a) => seen.has(a.operation))) return;
      await new Promise((done) => setTimeout(done, 20));
    }
  };
  return {
    ...own,
    bootstrapServers: broker.bootstrapServers,
    users,
    superUser,
    kafkaConfigFor,
    allow: (principal, resource, operations) => bind('ALLOW', principal, resource, operations),
    deny: (principal, resource, operations) => bind('DENY', principal, resource, operations),
    createTopic: async (topic, partitions = 1) => {
      const client = await connectedAdmin();
      await client.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
      return topic;
    },
    remove: async () => {
      const client = admin as Admin | null;
      admin = null;
      await client?.disconnect();
      await own.remove();
    },
  };
}
