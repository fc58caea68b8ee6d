/**
 * The local broker's SSL/ACL mode, proved with native kafkajs clients against one real broker:
 * client certificates from the broker's CA authenticate, one from another CA (or none) is refused,
 * principals are `User:<subject DN>` as Kafka's default principal builder names them, ACLs apply
 * to them (nothing allowed until granted), and the super user's certificate is unrestricted.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { failure } from '../helpers/acl-admin.ts';
import { uniqueTopic } from '../helpers/cluster.ts';
import kafkajs, { type KafkaConfig } from 'kafkajs';
import { probeMetadata } from '../../src/broker/metadata-probe.ts';
import { keyAliases } from '../helpers/multi-keystore.ts';
import { ADMIN, startSslBroker, type SslBroker } from '../helpers/ssl-broker.ts';
import { certificateDir, createCa, issueCertificate, STORE_PASSWORD, type IssuedCertificate } from '../helpers/tls.ts';

const { Kafka } = kafkajs;

// kafkajs's retrier re-throws a protocol error as KafkaJSNonRetriableError, which keeps only the message.
const TOPIC_REFUSAL = 'Not authorized to access topics: [Topic authorization failed]';
const refusal = async (promise: Promise<unknown>): Promise<string> => {
  const error = await failure(promise);
  return error?.type ?? (error?.message === TOPIC_REFUSAL ? 'TOPIC_AUTHORIZATION_FAILED' : `not a Kafka refusal: ${error}`);
};

describe('an SSL/ACL broker', () => {
  let ssl: SslBroker;
  const foreign = certificateDir();
  let stranger: IssuedCertificate;
  const clients: { disconnect(): Promise<void> }[] = [];
  const connected = async <T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(client: T): Promise<T> => {
    clients.push(client);
    await client.connect();
    return client;
  };
  /** A config presenting a certificate the broker's CA did not sign (or none), refusing retries. */
  const outsider = (certificate: IssuedCertificate | null): KafkaConfig => {
    const { ssl: tls, ...config } = ssl.kafkaConfigFor('alice');
    const { ca } = tls as { ca: string[] };
    return { ...config, retry: { retries: 0 }, ssl: certificate ? { ca, cert: readFileSync(certificate.cert, 'utf8'), key: readFileSync(certificate.key, 'utf8') } : { ca } };
  };

  before(async () => {
    ssl = await startSslBroker('ssl', ['alice', 'bob']);
    // alice again, by name, but from a CA of her own making.
    stranger = issueCertificate(createCa(foreign.dir, 'Other CA'), foreign.dir, 'alice');
  });

  after(async () => {
    await Promise.allSettled(clients.map((client) => client.disconnect()));
    await ssl?.remove();
    foreign.remove();
  });

  test("alice's and bob's certificates authenticate", async () => {
    for (const name of ['alice', 'bob']) {
      const admin = await connected(new Kafka(ssl.kafkaConfigFor(name)).admin());
      // Describing the cluster needs no ACL: the TLS handshake is what is under test.
      const { brokers } = await admin.describeCluster();
      assert.deepEqual(brokers.map((b) => `${b.host}:${b.port}`), [ssl.bootstrapServers], name);
    }
  });

  test('a certificate from another CA, and no certificate at all, are refused', async () => {
    for (const [what, config] of [['another CA', outsider(stranger)], ['no certificate', outsider(null)]] as const) {
      const admin = new Kafka(config).admin();
      clients.push(admin);
      const error = await failure(admin.connect().then(() => admin.describeCluster()));
      // The broker's TLS alert: "certificate unknown" for the stranger, "bad certificate" for none.
      assert.match(String(error), /alert (certificate unknown|bad certificate)/, what);
    }
  });

  test('the readiness probe answers with a certificate of the CA only', async () => {
    const port = Number(ssl.bootstrapServers.split(':')[1]);
    const probe = (certificate: IssuedCertificate) => probeMetadata('127.0.0.1', port, 5000, { pfx: readFileSync(certificate.p12), passphrase: STORE_PASSWORD });
    assert.equal(await probe(ssl.clients[ADMIN]!), true);
    assert.equal(await probe(ssl.clients.alice!), true, 'Metadata without topics needs no ACL');
    assert.equal(await probe(stranger), false, 'another CA');
    assert.equal(await probeMetadata('127.0.0.1', port, 5000), false, 'plaintext on an SSL listener');
  });

  test('principals are User:<subject DN>: alice cannot produce until her DN is allowed WRITE, bob still cannot', async () => {
    const topic = await ssl.createTopic(uniqueTopic('ssl-acl'));
    const alice = await connected(new Kafka(ssl.kafkaConfigFor('alice')).producer());
    const bob = await connected(new Kafka(ssl.kafkaConfigFor('bob')).producer());
    const message = { topic, messages: [{ value: 'hello' }] };
    assert.equal(await refusal(alice.send(message)), 'TOPIC_AUTHORIZATION_FAILED', 'no ACL yet');
    assert.equal(ssl.clients.alice!.principal, 'User:O=Kafka REST tests,CN=alice');
    await ssl.allow(ssl.clients.alice!.principal, { type: 'topic', name: topic }, ['WRITE']);
    const [written] = await alice.send(message);
    assert.equal(written!.errorCode, 0);
    assert.equal(await refusal(bob.send(message)), 'TOPIC_AUTHORIZATION_FAILED', "alice's ACL is not bob's");
    await ssl.deny(ssl.clients.alice!.principal, { type: 'topic', name: topic }, ['WRITE']);
    assert.equal(await refusal(alice.send(message)), 'TOPIC_AUTHORIZATION_FAILED', 'a DENY wins over her ALLOW');
  });

  test('admin, a super user by its certificate, creates topics and produces without any ACL', async () => {
    const topic = await ssl.createTopic(uniqueTopic('ssl-admin'), 2);
    const admin = await connected(new Kafka(ssl.kafkaConfigFor(ADMIN)).admin());
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    assert.equal(topics[0]!.partitions.length, 2);
    const producer = await connected(new Kafka(ssl.kafkaConfigFor(ADMIN)).producer());
    const [written] = await producer.send({ topic, messages: [{ value: 'x' }] });
    assert.equal(written!.errorCode, 0);
    assert.equal(ssl.broker.sslSubject, 'O=Kafka REST tests,CN=kafka-broker');
  });

  test('the client keystore holds one entry per named client, aliases = names', () => {
    assert.deepEqual(ssl.keystore.aliases, ['alice', 'bob']);
    assert.deepEqual(keyAliases(ssl.keystore.path, ssl.keystore.password), ['alice', 'bob']);
  });
});
