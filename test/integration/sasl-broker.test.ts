/**
 * The local broker's SASL/ACL mode, proved with native kafkajs clients against one real broker:
 * PLAIN and SCRAM-SHA-512 logins, a wrong password refused, ACLs enforced (nothing allowed until
 * granted, then exactly what was granted), the super user unrestricted; and the proxy logging in
 * with its `client.sasl.*` settings, answering Kafka's authorization failure as 403/40301.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { failure } from '../helpers/acl-admin.ts';
import { uniqueTopic } from '../helpers/cluster.ts';
import kafkajs from 'kafkajs';
import { LocalBroker } from '../../src/broker/local-broker.ts';
import { probeMetadata } from '../../src/broker/metadata-probe.ts';
import { StartupError } from '../../src/startup-error.ts';
import { BINARY, call, startTestProxy, V2, type TestProxy } from '../helpers/proxy.ts';
import { startSaslBroker, type SaslBroker } from '../helpers/sasl-broker.ts';

const { Kafka, KafkaJSSASLAuthenticationError } = kafkajs;
const USERS = { alice: 'alice-secret', bob: 'bob-secret' };

// kafkajs's retrier re-throws a protocol error as KafkaJSNonRetriableError, which keeps only the
// message: these are kafkajs's messages for the two refusals.
const REFUSAL_MESSAGES: Record<string, string> = {
  'Not authorized to access topics: [Topic authorization failed]': 'TOPIC_AUTHORIZATION_FAILED',
  'Not authorized to access group: Group authorization failed': 'GROUP_AUTHORIZATION_FAILED',
};

/** The Kafka error type a kafkajs call failed with (e.g. TOPIC_AUTHORIZATION_FAILED). */
async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await failure(promise);
  return error?.type ?? REFUSAL_MESSAGES[error?.message] ?? `not a Kafka refusal: ${error}`;
}

describe('a SASL/ACL broker', () => {
  let sasl: SaslBroker;
  const clients: { disconnect(): Promise<void> }[] = [];
  const connected = async <T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(client: T): Promise<T> => {
    clients.push(client);
    await client.connect();
    return client;
  };

  before(async () => {
    sasl = await startSaslBroker('sasl', USERS);
  });

  after(async () => {
    await Promise.allSettled(clients.map((client) => client.disconnect()));
    await sasl?.remove();
  });

  test('alice logs in with PLAIN and bob with SCRAM-SHA-512; each user may use either mechanism', async () => {
    for (const [user, mechanism] of [['alice', 'plain'], ['bob', 'scram-sha-512'], ['alice', 'scram-sha-512'], ['bob', 'plain']] as const) {
      const admin = await connected(new Kafka(sasl.kafkaConfigFor(user, USERS[user], mechanism)).admin());
      // Describing the cluster needs no ACL: the login is what is under test.
      const { brokers } = await admin.describeCluster();
      assert.equal(brokers.length, 1, `${user} over ${mechanism}`);
    }
  });

  test('a wrong password, an unknown user and the broker user over SCRAM all fail authentication', async () => {
    const attempts = [
      sasl.kafkaConfigFor('alice', 'not-her-password', 'plain'),
      sasl.kafkaConfigFor('bob', 'not-his-password', 'scram-sha-512'),
      sasl.kafkaConfigFor('mallory', 'anything', 'plain'),
      // The broker's own user has no SCRAM credential: it logs in with PLAIN only.
      sasl.kafkaConfigFor(sasl.broker.superUser!.username, sasl.broker.superUser!.password, 'scram-sha-512'),
    ];
    for (const config of attempts) {
      const admin = new Kafka({ ...config, retry: { retries: 0 } }).admin();
      clients.push(admin);
      const error = await failure(admin.connect());
      assert.ok(error instanceof KafkaJSSASLAuthenticationError, `${config.sasl?.mechanism} ${(config.sasl as { username: string }).username}: ${error}`);
    }
  });

  test("the readiness probe needs the super user's PLAIN login on the SASL listener", async () => {
    const port = Number(sasl.bootstrapServers.split(':')[1]);
    const { username, password } = sasl.broker.superUser!;
    assert.equal(await probeMetadata('127.0.0.1', port, 5000, { username, password }), true);
    assert.equal(await probeMetadata('127.0.0.1', port, 5000, { username, password: `${password}x` }), false, 'a wrong password');
    assert.equal(await probeMetadata('127.0.0.1', port, 5000), false, 'no login: the listener drops a Metadata request before SASL');
  });

  test('alice cannot produce without an ACL (TOPIC_AUTHORIZATION_FAILED), and can once allowed WRITE', async () => {
    const topic = await sasl.createTopic(uniqueTopic('alice-writes'));
    const producer = await connected(new Kafka({ ...sasl.kafkaConfigFor('alice', USERS.alice, 'plain'), retry: { retries: 0 } }).producer());
    assert.equal(await refusal(producer.send({ topic, messages: [{ value: 'refused' }] })), 'TOPIC_AUTHORIZATION_FAILED');

    await sasl.allow('User:alice', { type: 'topic', name: topic }, ['WRITE']);
    const [sent] = await producer.send({ topic, messages: [{ value: 'accepted' }] });
    assert.equal(sent?.errorCode, 0);
    assert.equal(sent?.baseOffset, '0', 'the refused record was never written');

    // Her grant is hers alone: bob still may not write there.
    const bobs = await connected(new Kafka({ ...sasl.kafkaConfigFor('bob', USERS.bob, 'scram-sha-512'), retry: { retries: 0 } }).producer());
    assert.equal(await refusal(bobs.send({ topic, messages: [{ value: 'x' }] })), 'TOPIC_AUTHORIZATION_FAILED');
  });

  test('a PREFIXED grant covers topics by prefix, and a DENY overrides it', async () => {
    const prefix = uniqueTopic('team');
    const [allowed, denied, other] = [`${prefix}.orders`, `${prefix}.secrets`, uniqueTopic('elsewhere')];
    for (const topic of [allowed, denied, other]) await sasl.createTopic(topic);
    await sasl.allow('User:bob', { type: 'topic', name: `${prefix}.`, pattern: 'prefixed' }, ['WRITE']);
    await sasl.deny('User:bob', { type: 'topic', name: denied }, ['WRITE']);
    const producer = await connected(new Kafka({ ...sasl.kafkaConfigFor('bob', USERS.bob, 'scram-sha-512'), retry: { retries: 0 } }).producer());
    assert.equal((await producer.send({ topic: allowed, messages: [{ value: 'ok' }] }))[0]?.errorCode, 0);
    assert.equal(await refusal(producer.send({ topic: denied, messages: [{ value: 'x' }] })), 'TOPIC_AUTHORIZATION_FAILED');
    assert.equal(await refusal(producer.send({ topic: other, messages: [{ value: 'x' }] })), 'TOPIC_AUTHORIZATION_FAILED');
  });

  test('bob cannot consume without READ on the topic, nor on the group, and can with both', async () => {
    const topic = await sasl.createTopic(uniqueTopic('bob-reads'));
    const admin = await connected(new Kafka(sasl.superUser).producer());
    await admin.send({ topic, messages: [{ value: 'for bob' }] });
    // Default retries: the first group's coordinator may not be available at once (its topic is
    // being created); refusals are not retriable, so they still fail on the first answer.
    const bobs = new Kafka(sasl.kafkaConfigFor('bob', USERS.bob, 'scram-sha-512'));
    const groupId = uniqueTopic('bob-group');
    const consumer = () => connected(bobs.consumer({ groupId }));

    // A kafkajs consumer looks the topic up before it joins its group: that is the first refusal.
    assert.equal(await refusal(joinAndRead(await consumer(), topic)), 'TOPIC_AUTHORIZATION_FAILED');
    await sasl.allow('User:bob', { type: 'topic', name: topic }, ['READ']);
    // FindCoordinator needs DESCRIBE on the group; kafkajs reports its refusal as "not found".
    assert.equal((await failure(joinAndRead(await consumer(), topic))).name, 'KafkaJSGroupCoordinatorNotFound');
    await sasl.allow('User:bob', { type: 'group', name: groupId }, ['DESCRIBE']);
    // JoinGroup needs READ.
    assert.equal(await refusal(joinAndRead(await consumer(), topic)), 'GROUP_AUTHORIZATION_FAILED');
    await sasl.allow('User:bob', { type: 'group', name: groupId }, ['READ']);
    assert.deepEqual(await joinAndRead(await consumer(), topic), ['for bob']);
  });

  test('the super user creates topics; alice, without CREATE, may not', async () => {
    const admin = await connected(new Kafka(sasl.superUser).admin());
    const topic = uniqueTopic('by-super-user');
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true }), true);
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(topics[0]?.partitions.length, 2);

    const alices = await connected(new Kafka({ ...sasl.kafkaConfigFor('alice', USERS.alice, 'plain'), retry: { retries: 0 } }).admin());
    const refused = await failure(alices.createTopics({ topics: [{ topic: uniqueTopic('by-alice') }] }));
    assert.match(JSON.stringify(refused.errors?.map((e: { type: string }) => e.type) ?? refused.type), /TOPIC_AUTHORIZATION_FAILED/);
  });

  test('the proxy logs in as alice over SCRAM-SHA-512: 200 where she may WRITE, 403 with 40301 per record where not', async () => {
    const writable = await sasl.createTopic(uniqueTopic('proxy-writable'));
    const forbidden = await sasl.createTopic(uniqueTopic('proxy-forbidden'));
    await sasl.allow('User:alice', { type: 'topic', name: writable }, ['WRITE', 'DESCRIBE']);
    const proxy: TestProxy = await startTestProxy({
      'bootstrap.servers': sasl.bootstrapServers,
      'client.security.protocol': 'SASL_PLAINTEXT',
      'client.sasl.mechanism': 'SCRAM-SHA-512',
      'client.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="${USERS.alice}";`,
    });
    try {
      const produce = (topic: string) =>
        call(`${proxy.url}/topics/${topic}`, {
          method: 'POST',
          headers: { 'Content-Type': BINARY, Accept: V2 },
          body: { records: [{ value: Buffer.from('one').toString('base64') }, { value: Buffer.from('two').toString('base64') }] },
        });
      const ok = await produce(writable);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.deepEqual(
        ok.body.offsets.map((o: { offset: number; error_code: number | null }) => [o.offset, o.error_code]),
        [
          [0, null],
          [1, null],
        ],
      );

      const refused = await produce(forbidden);
      const seen = `${refused.status} ${JSON.stringify(refused.body)}`;
      assert.equal(refused.status, 403, seen);
      assert.equal(refused.body.offsets.length, 2, seen);
      for (const offset of refused.body.offsets) assert.equal(offset.error_code, 40301, seen);
    } finally {
      await proxy.close();
    }
  });
});

describe('the SASL mode refuses users it cannot configure', () => {
  for (const [why, sasl, message] of [
    ['no users', { users: {} }, /at least one user/],
    ['a name with a space', { users: { 'al ice': 'pw' } }, /user name "al ice"/],
    ["the broker's own name", { users: { admin: 'pw' } }, /broker's own user/],
    ['a comma in a password', { users: { alice: 'a,b' } }, /password of SASL user "alice"/],
    ['a super user who is not a user', { users: { alice: 'pw' }, superUsers: ['bob'] }, /super user "bob"/],
  ] as const) {
    test(why, async () => {
      // Refused before anything is written or run: the directory is never created.
      const dir = `/nonexistent/sasl-${randomUUID()}`;
      const error = await failure(LocalBroker.start({ dir, sasl: sasl as { users: Record<string, string>; superUsers?: string[] } }));
      assert.ok(error instanceof StartupError, String(error));
      assert.match(error.message, message);
    });
  }
});

/** Runs the consumer and resolves with the values it reads, or rejects with its first crash's cause. */
async function joinAndRead(consumer: kafkajs.Consumer, topic: string): Promise<string[]> {
  await consumer.subscribe({ topic, fromBeginning: true });
  return new Promise((resolve, reject) => {
    consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
    void consumer
      .run({
        eachMessage: async ({ message }) => resolve([message.value!.toString()]),
      })
      .catch(reject);
  });
}
