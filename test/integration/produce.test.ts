/**
 * API v2 produce against the real broker, checked with a native kafkajs consumer and, for key
 * hashing, with the Java producer's own partitioner.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { kafkaLibs } from '../../src/broker/kafka-jars.ts';
import { createTopic, readRecords, uniqueTopic } from '../helpers/cluster.ts';
import { call, JSON_FORMAT, produce, startTestProxy, V2, type TestProxy } from '../helpers/proxy.ts';

const execFileAsync = promisify(execFile);

const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');

describe('v2 produce', () => {
  let proxy: TestProxy;

  before(async () => {
    proxy = await startTestProxy({ 'producer.max.block.ms': '2000' });
  });
  after(() => proxy.close());

  test('binary records arrive byte for byte, in order, with the offsets the proxy reported', async () => {
    const topic = await createTopic(uniqueTopic('bin'), 1);
    const values = Array.from({ length: 20 }, (_, i) => randomBytes(1 + i * 37));
    const reply = await produce(proxy, `/topics/${topic}`, {
      records: values.map((v, i) => ({ key: b64(`k${i % 3}`), value: b64(v) })),
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.type, V2);
    assert.equal(reply.body.key_schema_id, null);
    assert.equal(reply.body.value_schema_id, null);
    assert.deepEqual(
      reply.body.offsets,
      values.map((_, i) => ({ partition: 0, offset: i, error_code: null, error: null })),
    );
    const records = await readRecords(topic, values.length);
    records.forEach((record, i) => {
      assert.equal(record.offset, i);
      assert.deepEqual(record.value, values[i]);
      assert.equal(record.key?.toString(), `k${i % 3}`);
    });
  });

  test('json records are stored as their JSON text; null values are tombstones', async () => {
    const topic = await createTopic(uniqueTopic('json'), 1);
    const values = [{ foo: 'bar' }, ['foo', 'bar'], 53.5, 'text', true, null];
    const reply = await produce(
      proxy,
      `/topics/${topic}`,
      { records: values.map((value, i) => ({ key: i % 2 ? 'somekey' : null, value })) },
      JSON_FORMAT,
    );
    assert.equal(reply.status, 200);
    assert.ok(reply.body.offsets.every((o: { error_code: unknown }) => o.error_code === null));
    const records = await readRecords(topic, values.length);
    assert.deepEqual(
      records.map((r) => (r.value === null ? null : JSON.parse(r.value.toString()))),
      values,
    );
    assert.equal(records[1]!.key?.toString(), '"somekey"', 'a JSON string key keeps its quotes');
    assert.equal(records[0]!.key, null);
    assert.equal(records[5]!.value, null, 'null value is a tombstone');
  });

  test('explicit partitions are honoured; the partition endpoint sets the default', async () => {
    const topic = await createTopic(uniqueTopic('parts'), 3);
    const reply = await produce(proxy, `/topics/${topic}`, {
      records: [
        { value: b64('p2'), partition: 2 },
        { value: b64('p0'), partition: 0 },
        { value: b64('p2b'), partition: 2 },
      ],
    });
    assert.deepEqual(
      reply.body.offsets.map((o: { partition: number; offset: number }) => [o.partition, o.offset]),
      [
        [2, 0],
        [0, 0],
        [2, 1],
      ],
    );
    const toPartition = await produce(proxy, `/topics/${topic}/partitions/1`, {
      records: [{ value: b64('x') }, { value: b64('y'), partition: 0 }],
    });
    assert.deepEqual(
      toPartition.body.offsets.map((o: { partition: number; offset: number }) => [o.partition, o.offset]),
      [
        [1, 0],
        [0, 1],
      ],
      'a record-level partition wins over the path',
    );
    const records = await readRecords(topic, 5);
    assert.deepEqual(
      records.map((r) => [r.partition, r.value?.toString()]),
      [
        [0, 'p0'],
        [0, 'y'],
        [1, 'x'],
        [2, 'p2'],
        [2, 'p2b'],
      ],
    );
  });

  test('a partition the topic does not have fails only that record (40402)', async () => {
    const topic = await createTopic(uniqueTopic('badpart'), 2);
    const reply = await produce(proxy, `/topics/${topic}`, { records: [{ value: b64('ok'), partition: 1 }, { value: b64('no'), partition: 7 }] });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.offsets[0].error_code, null);
    assert.equal(reply.body.offsets[1].error_code, 40402);
    assert.equal(reply.body.offsets[1].partition, null);
    const viaPath = await produce(proxy, `/topics/${topic}/partitions/5`, { records: [{ value: b64('no') }] });
    assert.equal(viaPath.body.offsets[0].error_code, 40402);
  });

  test('keyed records land where the Java producer would put them', async () => {
    const partitions = 7;
    const topic = await createTopic(uniqueTopic('keys'), partitions);
    const keys = ['key', 'foobar', 'user-42', 'a', '', 'ünïcødé', randomBytes(16).toString('hex'), 'order:1001'].map((k) =>
      Buffer.from(k),
    );
    // Asynchronously: the proxy under test runs in this process and must go on serving meanwhile.
    const { stdout } = await execFileAsync('java', ['-cp', `${kafkaLibs}/*`, 'test/helpers/java/JavaPartitioner.java', String(partitions), ...keys.map((k) => b64(k))], {
      encoding: 'utf8',
    });
    const javaChoice = stdout
      .trim()
      .split('\n')
      .map(Number);
    assert.equal(javaChoice.length, keys.length);
    assert.ok(new Set(javaChoice).size > 2, 'the keys spread over several partitions');
    const reply = await produce(proxy, `/topics/${topic}`, { records: keys.map((key) => ({ key: b64(key), value: b64('v') })) });
    assert.deepEqual(
      reply.body.offsets.map((o: { partition: number }) => o.partition),
      javaChoice,
    );
  });

  test('keyless records of one request share a partition; requests rotate over partitions', async () => {
    const topic = await createTopic(uniqueTopic('sticky'), 3);
    const seen = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const reply = await produce(proxy, `/topics/${topic}`, { records: [{ value: b64('a') }, { value: b64('b') }] });
      const [first, second] = reply.body.offsets;
      assert.equal(first.partition, second.partition);
      assert.equal(second.offset, first.offset + 1);
      seen.add(first.partition);
    }
    assert.equal(seen.size, 3);
  });

  test('concurrent requests are batched without mixing up their offsets', async () => {
    const topic = await createTopic(uniqueTopic('concurrent'), 1);
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        produce(proxy, `/topics/${topic}`, { records: [{ value: b64(`r${i}-0`) }, { value: b64(`r${i}-1`) }] }),
      ),
    );
    const byOffset = new Map<number, string>();
    replies.forEach((reply, i) =>
      reply.body.offsets.forEach((o: { offset: number }, j: number) => byOffset.set(o.offset, `r${i}-${j}`)),
    );
    assert.equal(byOffset.size, 80, 'every record got its own offset');
    const records = await readRecords(topic, 80);
    for (const record of records) assert.equal(record.value?.toString(), byOffset.get(record.offset));
  });

  test('a missing topic fails every record within producer.max.block.ms (auto-creation off)', async () => {
    const started = Date.now();
    const reply = await produce(proxy, `/topics/${uniqueTopic('missing')}`, { records: [{ value: b64('a') }, { value: b64('b') }] });
    const elapsed = Date.now() - started;
    assert.equal(reply.status, 200);
    assert.equal(reply.body.offsets.length, 2);
    for (const offset of reply.body.offsets) {
      assert.equal(offset.error_code, 50003);
      assert.equal(offset.partition, null);
      assert.match(offset.error, /not present in metadata after 2000 ms/);
    }
    assert.ok(elapsed >= 1500, `waited for metadata (${elapsed} ms)`);
  });

  test('the schema formats need their schemas: records without one are 42201/42202', async () => {
    const topic = await createTopic(uniqueTopic('schema'), 1);
    for (const format of ['avro', 'jsonschema', 'protobuf']) {
      const type = `application/vnd.kafka.${format}.v2+json`;
      const noValueSchema = await produce(proxy, `/topics/${topic}`, { records: [{ value: 1 }] }, type);
      assert.equal(noValueSchema.status, 422, format);
      assert.equal(noValueSchema.body.error_code, 42202, format);
      const noKeySchema = await produce(proxy, `/topics/${topic}`, { records: [{ key: 'k' }] }, type);
      assert.equal(noKeySchema.body.error_code, 42201, format);
    }
  });

  test('with compression.type each codec writes batches a native consumer reads back', async () => {
    for (const compression of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const compressed = await startTestProxy({ 'compression.type': compression });
      try {
        const topic = await createTopic(uniqueTopic(compression), 1);
        const values = Array.from({ length: 10 }, (_, i) => Buffer.from(`${compression} value ${i} `.repeat(50)));
        const reply = await produce(compressed, `/topics/${topic}`, { records: values.map((v) => ({ value: b64(v) })) });
        assert.ok(reply.body.offsets.every((o: { error_code: unknown }) => o.error_code === null), compression);
        const records = await readRecords(topic, values.length);
        assert.deepEqual(
          records.map((r) => r.value),
          values,
          compression,
        );
      } finally {
        await compressed.close();
      }
    }
  });

  test('the producer slots journal their lifecycle', async () => {
    const entries = proxy.journal.read({ actorType: 'producer-slot' });
    const slots = new Set(entries.map((e) => e.actorId));
    assert.equal(slots.size, 4, 'default pool size');
    for (const slot of slots) {
      const types = entries.filter((e) => e.actorId === slot).map((e) => e.type);
      assert.deepEqual(types.slice(0, 2), ['SlotConnecting', 'SlotReady']);
    }
    assert.ok((await call(`${proxy.url}/`)).status === 200);
  });
});
