/**
 * A client's mistakes get Confluent's answers (Jackson's 400s, bean validation's 422s), never a
 * 5xx, and nothing is written to Kafka; error messages carry no addresses or runtime internals.
 * Against the real broker (and, for a broker-side limit and a dead cluster, brokers of their own).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { freePort } from '../../src/broker/free-port.ts';
import { loadConfig } from '../../src/config/config.ts';
import { startProxy, type RunningProxy } from '../../src/proxy.ts';
import { createTopic, nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { b64, createConsumer, post, records } from '../helpers/consumer.ts';
import { startOwnBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { BINARY, call, JSON_FORMAT, produce, startTestProxy, V2, type Reply, type TestProxy } from '../helpers/proxy.ts';

const AVRO = 'application/vnd.kafka.avro.v2+json';
const JSONSCHEMA = 'application/vnd.kafka.jsonschema.v2+json';
const PROTOBUF = 'application/vnd.kafka.protobuf.v2+json';
const ENTITIES = 'io.confluent.kafkarest.entities.v2';

/** JSON text of a value nested `depth` arrays deep (JSON.stringify itself cannot write 5,000). */
const nestedArrays = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

function expectError(reply: Reply, status: number, errorCode: number, message?: string | RegExp): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body)?.slice(0, 500));
  assert.equal(reply.body.error_code, errorCode, JSON.stringify(reply.body).slice(0, 500));
  if (typeof message === 'string') assert.equal(reply.body.message, message);
  else if (message) assert.match(reply.body.message, message);
}

async function endOffset(topic: string): Promise<number> {
  const admin = nativeKafka().admin();
  await admin.connect();
  try {
    const [partition] = await admin.fetchTopicOffsets(topic);
    return Number(partition!.high);
  } finally {
    await admin.disconnect();
  }
}

describe('bad input against the suite broker', () => {
  let proxy: TestProxy;

  before(async () => {
    proxy = await startTestProxy({ 'consumer.request.timeout.ms': '1000' });
  });
  after(() => proxy.close());

  test('a body nested deeper than 1,000 levels is 400 in every embedded format, and nothing is written', async () => {
    const tooDeep = /^Document nesting depth \(1001\) exceeds the maximum allowed \(1000, from `StreamReadConstraints\.getMaxNestingDepth\(\)`\)$/;
    const cases: Array<[string, string]> = [
      [BINARY, `{"records":[{"value":${nestedArrays(5000)}}]}`],
      [JSON_FORMAT, `{"records":[{"value":${nestedArrays(5000)}}]}`],
      [AVRO, `{"value_schema":"\\"string\\"","records":[{"value":${nestedArrays(5000)}}]}`],
      [JSONSCHEMA, `{"value_schema":"{}","records":[{"value":${nestedArrays(5000)}}]}`],
      [PROTOBUF, `{"value_schema":"syntax = \\"proto3\\"; message M { M a = 1; }","records":[{"value":${nestedObjects(5000)}}]}`],
      // The document's own levels count: 3 around the value, 998 in it.
      [JSON_FORMAT, `{"records":[{"value":${nestedArrays(998)}}]}`],
    ];
    for (const [type, body] of cases) {
      const topic = await createTopic(uniqueTopic('deep'), 1);
      expectError(await produce(proxy, `/topics/${topic}`, body, type), 400, 400, tooDeep);
      assert.equal(await endOffset(topic), 0, `${type}: nothing written`);
    }
    const base = await createConsumer(proxy.url, uniqueTopic('deep-group'));
    expectError(await post(`${base}/subscription`, `{"topics":${nestedArrays(2000)}}`), 400, 400, /^Document nesting depth \(1001\)/);
  });

  test('a value exactly 1,000 levels deep (with the document) is written and read back unchanged', async () => {
    const topic = await createTopic(uniqueTopic('deep-ok'), 1);
    const reply = await produce(proxy, `/topics/${topic}`, `{"records":[{"value":${nestedArrays(997)}}]}`, JSON_FORMAT);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const base = await createConsumer(proxy.url, uniqueTopic('deep-ok-group'), { format: 'json', 'auto.offset.reset': 'earliest' });
    assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] })).status, 204);
    const read = await records(base, 'timeout=5000', JSON_FORMAT);
    assert.equal(read.status, 200);
    assert.equal(JSON.stringify(read.body[0].value), nestedArrays(997));
  });

  test('a record nested too deep for the response, written natively, is 40801 with a way past it', async () => {
    const topic = await createTopic(uniqueTopic('deep-record'), 1);
    const producer = nativeKafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: nestedArrays(5000) }, { value: '"next"' }] });
    await producer.disconnect();

    const base = await createConsumer(proxy.url, uniqueTopic('deep-record-group'), { format: 'json', 'auto.offset.reset': 'earliest' });
    assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] })).status, 204);
    const read = await records(base, 'timeout=5000', JSON_FORMAT);
    expectError(read, 408, 40801, /at offset 0\. If needed, please seek past the record.*Document nesting depth \(1001\) exceeds the maximum allowed \(1000/);
    assert.equal((await post(`${base}/positions`, { offsets: [{ topic, partition: 0, offset: 1 }] })).status, 204);
    const next = await records(base, 'timeout=5000', JSON_FORMAT);
    assert.deepEqual(next.body.map((r: { value: unknown }) => r.value), ['next']);

    const simple = await call(`${proxy.url}/topics/${topic}/partitions/0/messages?offset=0`, { headers: { Accept: JSON_FORMAT } });
    expectError(simple, 408, 40801, /Document nesting depth/);
  });

  test('an unknown field in a record is 400 with Jackson\'s message, and nothing is written', async () => {
    const topic = await createTopic(uniqueTopic('unknown-field'), 1);
    for (const [type, value] of [[BINARY, 'eA=='], [JSON_FORMAT, 'x']] as const) {
      const reply = await produce(proxy, `/topics/${topic}`, { records: [{ value }, { valur: value }] }, type);
      expectError(
        reply,
        400,
        400,
        `Unrecognized field "valur" (class ${ENTITIES}.ProduceRequest$ProduceRecord), not marked as ignorable (3 known properties: "partition", "key", "value"]) ` +
          `(through reference chain: ${ENTITIES}.ProduceRequest["records"]->java.util.ArrayList[1]->${ENTITIES}.ProduceRequest$ProduceRecord["valur"])`,
      );
      expectError(await produce(proxy, `/topics/${topic}/partitions/0`, { records: [{ valur: value }] }, type), 400, 400, /^Unrecognized field "valur"/);
    }
    assert.equal(await endOffset(topic), 0, 'nothing written');
  });

  test('a body with other fields but no records is 400 (Jackson reads it before validation), not 422', async () => {
    const topic = await createTopic(uniqueTopic('no-records'), 1);
    expectError(await produce(proxy, `/topics/${topic}`, { foo: 'bar' }), 400, 400, /^Unrecognized field "foo" \(class io\.confluent\.kafkarest\.entities\.v2\.ProduceRequest\)/);
    expectError(await produce(proxy, `/topics/${topic}`, {}), 422, 422, 'records may not be empty');
  });

  test('every consumer body: unknown fields and wrong JSON types are 400', async () => {
    const topic = await createTopic(uniqueTopic('bodies'), 1);
    const g = uniqueTopic('bodies-group');
    expectError(await post(`${proxy.url}/consumers/${g}`, { name: ['c'] }), 400, 400, /^Cannot deserialize value of type `java\.lang\.String` from Array value/);
    expectError(await post(`${proxy.url}/consumers/${g}`, { 'fetch.min.bytes': 'lots' }), 400, 400, /CreateConsumerInstanceRequest\["fetch\.min\.bytes"\]\)$/);
    const subscribed = await createConsumer(proxy.url, g, { name: 'subscribed' });
    expectError(await post(`${subscribed}/subscription`, { topics: 't' }), 400, 400, /^Cannot deserialize value of type `java\.util\.ArrayList<java\.lang\.String>` from String value/);
    expectError(await post(`${subscribed}/subscription`, { topic_pattern: ['a'] }), 400, 400, /^Cannot deserialize value of type `java\.lang\.String` from Array value/);
    expectError(await post(`${subscribed}/subscription`, { topicz: [topic] }), 400, 400, /^Unrecognized field "topicz" \(class io\.confluent\.kafkarest\.entities\.v2\.ConsumerSubscriptionRecord\)/);

    const assigned = await createConsumer(proxy.url, g, { name: 'assigned' });
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['POST', 'assignments', { partitions: 'all' }, /TopicPartition>` from String value/],
      ['POST', 'assignments', { partitions: [{ topic, partition: 0, offset: 1 }] }, /^Unrecognized field "offset" \(class io\.confluent\.kafkarest\.entities\.v2\.TopicPartition\)/],
      ['POST', 'positions', { offsets: [{ topic, partition: 0, offset: 'first' }] }, /PartitionOffset\["offset"\]\)$/],
      ['POST', 'positions', { timestamp: [] }, /^Unrecognized field "timestamp" \(class io\.confluent\.kafkarest\.entities\.v2\.ConsumerSeekRequest\)/],
      ['POST', 'positions/beginning', { partitions: [{ topic, partition: [0] }] }, /TopicPartition\["partition"\]\)$/],
      ['POST', 'positions/end', { partition: [] }, /\(class io\.confluent\.kafkarest\.entities\.v2\.ConsumerSeekToRequest\)/],
      ['POST', 'offsets', { offsets: { topic, partition: 0, offset: 1 } }, /TopicPartitionOffsetMetadata>` from Object value/],
      ['POST', 'offsets', { offsets: [{ topic, partition: 0, offset: 1, metadata: { m: 1 } }] }, /TopicPartitionOffsetMetadata\["metadata"\]\)$/],
      ['GET', 'offsets', { partitions: [{ topic, partition: true }] }, /TopicPartition\["partition"\]\)$/],
      ['GET', 'offsets', { partition: [] }, /\(class io\.confluent\.kafkarest\.entities\.v2\.ConsumerCommittedRequest\)/],
    ];
    for (const [method, path, body, message] of cases) {
      const reply = await call(`${assigned}/${path}`, { method, headers: { 'Content-Type': V2 }, body });
      expectError(reply, 400, 400, message);
    }
    // The same requests, well formed, still work on the same instance.
    assert.equal((await post(`${assigned}/assignments`, { partitions: [{ topic, partition: '0' }] })).status, 204);
    assert.equal((await post(`${assigned}/offsets`, { offsets: [{ topic, partition: 0, offset: '0', metadata: 7 }] })).status, 200);
    const committed = await call(`${assigned}/offsets`, { headers: { 'Content-Type': V2 }, body: { partitions: [{ topic, partition: 0 }] } });
    assert.deepEqual(committed.body, { offsets: [{ topic, partition: 0, offset: 1, metadata: '7' }] });
  });

  test('commit metadata is counted as the broker counts it (UTF-16 code units), so 4,096 "€" commit', async () => {
    const topic = await createTopic(uniqueTopic('metadata'), 1);
    const base = await createConsumer(proxy.url, uniqueTopic('metadata-group'));
    assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] })).status, 204);
    const euros = '€'.repeat(4096); // 12,288 bytes of UTF-8
    assert.equal((await post(`${base}/offsets`, { offsets: [{ topic, partition: 0, offset: 0, metadata: euros }] })).status, 200);
    const committed = await call(`${base}/offsets`, { headers: { 'Content-Type': V2 }, body: { partitions: [{ topic, partition: 0 }] } });
    assert.equal(committed.body.offsets[0].metadata, euros);
    for (const metadata of ['€'.repeat(4097), '😀'.repeat(2049)]) {
      expectError(await post(`${base}/offsets`, { offsets: [{ topic, partition: 0, offset: 0, metadata }] }), 422, 422, /^offsets\[0\]\.metadata must be at most 4096 characters/);
    }
  });

  test('schema ids given as strings of digits are taken, as Jackson takes them; other strings are 400', async () => {
    const topic = await createTopic(uniqueTopic('schema-id'), 1);
    const first = await produce(proxy, `/topics/${topic}`, { value_schema: '"string"', records: [{ value: 'a' }] }, AVRO);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const id = first.body.value_schema_id as number;
    const again = await produce(proxy, `/topics/${topic}`, { value_schema_id: String(id), records: [{ value: 'b' }] }, AVRO);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.value_schema_id, id);
    const bad = await produce(proxy, `/topics/${topic}`, { value_schema_id: `id${id}`, records: [{ value: 'c' }] }, AVRO);
    expectError(bad, 400, 400, new RegExp(`^Cannot deserialize value of type \`java\\.lang\\.Integer\` from String "id${id}": not a valid \`java\\.lang\\.Integer\` value`));
    assert.equal(await endOffset(topic), 2);
  });
});

describe('a broker that refuses commit metadata', () => {
  let own: OwnBroker;
  let proxy: TestProxy;

  before(async () => {
    own = await startOwnBroker('metadata-limit', { autoCreateTopics: false, properties: { 'offset.metadata.max.bytes': '64' } });
    proxy = await startTestProxy({ 'bootstrap.servers': own.broker.bootstrapServers });
  });
  after(async () => {
    await proxy?.close();
    await own?.remove();
  });

  test('OFFSET_METADATA_TOO_LARGE is 400 / 40002 naming the broker setting, and the instance goes on', async () => {
    const topic = await createTopic(uniqueTopic('limited'), 1, own.broker.bootstrapServers);
    const base = await createConsumer(proxy.url, uniqueTopic('limited-group'));
    assert.equal((await post(`${base}/assignments`, { partitions: [{ topic, partition: 0 }] })).status, 204);
    const refused = await post(`${base}/offsets`, { offsets: [{ topic, partition: 0, offset: 0, metadata: 'm'.repeat(100) }] });
    expectError(refused, 400, 40002, /metadata.*too large.*offset\.metadata\.max\.bytes/i);
    assert.equal((await post(`${base}/offsets`, { offsets: [{ topic, partition: 0, offset: 0, metadata: 'short' }] })).status, 200);
  });
});

describe('error messages from a cluster that cannot be reached', () => {
  let proxy: RunningProxy;
  let url: string;
  let port: number;
  const logs: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-nowhere-'));

  before(async () => {
    port = await freePort(); // nothing listens there
    const settings: Record<string, string> = {
      listeners: 'http://127.0.0.1:0',
      'management.listeners': 'http://127.0.0.1:0',
      'schema.registry.listeners': '',
      'bootstrap.servers': `127.0.0.1:${port}`,
      'journal.path': join(dir, 'journal.db'),
      'producer.max.block.ms': '1000',
      'consumer.request.timeout.ms': '500',
    };
    const env = Object.fromEntries(Object.entries(settings).map(([k, v]) => [`KAFKA_REST_${k.toUpperCase().replaceAll('.', '_')}`, v]));
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    proxy = await startProxy(loadConfig({ env }), pino({ level: 'warn' }, sink));
    url = proxy.urls[0]!;
  });
  after(async () => {
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const noInternals = (text: string) => {
    assert.doesNotMatch(text, /127\.0\.0\.1|localhost/, text);
    assert.doesNotMatch(text, new RegExp(`:${port}\\b`), text);
    assert.doesNotMatch(text, /\bE[A-Z]{4,}\b|consumer#run|\n\s+at /, text);
  };

  test('metadata, produce and reads say what failed, without the address or the socket error', async () => {
    for (const path of ['/topics', '/brokers', '/topics/t/partitions/0/messages?offset=0']) {
      const reply = await call(`${url}${path}`);
      assert.ok(reply.status >= 500, `${path}: ${reply.status}`);
      noInternals(reply.body.message);
      assert.match(reply.body.message, /Connection error|connection refused/i);
    }
    const produced = await produce({ url }, '/topics/t', { records: [{ value: b64('x') }] });
    assert.equal(produced.status, 200);
    for (const offset of produced.body.offsets) {
      assert.equal(offset.error_code, 50003);
      noInternals(offset.error);
    }
    assert.ok(logs.some((line) => line.includes(`127.0.0.1:${port}`)), 'the log keeps the address');
  });

  test('a commit before the instance could join its group says so in Kafka terms', async () => {
    const base = await createConsumer(url, uniqueTopic('nowhere-group'));
    assert.equal((await post(`${base}/subscription`, { topics: ['t'] })).status, 204);
    const commit = await post(`${base}/offsets`, { offsets: [{ topic: 't', partition: 0, offset: 1 }] });
    assert.ok(commit.status >= 500, String(commit.status));
    noInternals(commit.body.message);
  });
});
