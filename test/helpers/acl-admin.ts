/**
 * ACL bindings made through a super user's kafkajs admin client, for the test brokers with an
 * authorizer (sasl-broker.ts, ssl-broker.ts): `bind` returns once the broker's authorizer applies
 * the binding, and `createTopic` once the topic has its leaders.
 */
import kafkajs, { type Admin, type KafkaConfig } from 'kafkajs';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, ResourcePatternTypes } = kafkajs;

/** What an ACL binds to: a topic or a consumer group, by exact name (LITERAL) or by PREFIXED name. */
export interface AclResource {
  type: 'topic' | 'group';
  name: string;
  pattern?: 'literal' | 'prefixed';
}

export type AclOperation = keyof typeof AclOperationTypes;

export interface AclAdmin {
  bind(permission: 'ALLOW' | 'DENY', principal: string, resource: AclResource, operations: AclOperation[]): Promise<void>;
  createTopic(name: string, partitions?: number): Promise<string>;
  /** Disconnects the admin client, if it was ever connected. */
  close(): Promise<void>;
}

/** An admin client for `superUser`, connected on first use. */
export function aclAdmin(superUser: KafkaConfig): AclAdmin {
  let admin: Admin | null = null;
  const connected = async (): Promise<Admin> => {
    if (!admin) {
      const created = new Kafka(superUser).admin();
      await created.connect();
      admin = created;
    }
    return admin;
  };
  return {
    bind: async (permission, principal, resource, operations) => {
      const client = await connected();
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
    },
    createTopic: async (topic, partitions = 1) => {
      const client = await connected();
      await client.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
      return topic;
    },
    close: async () => {
      const client = admin as Admin | null;
      admin = null;
      await client?.disconnect();
    },
  };
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

/** The ACL calls of a test broker, as its helper hands them out. */
export function aclActions(admin: AclAdmin) {
  return {
    allow: (principal: string, resource: AclResource, operations: AclOperation[]) => admin.bind('ALLOW', principal, resource, operations),
    deny: (principal: string, resource: AclResource, operations: AclOperation[]) => admin.bind('DENY', principal, resource, operations),
    createTopic: (topic: string, partitions?: number) => admin.createTopic(topic, partitions),
  };
}
