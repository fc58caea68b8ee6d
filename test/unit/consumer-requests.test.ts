import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RestError } from '../../src/errors.ts';
import { NO_BODY } from '../../src/http/body.ts';
import {
  MAX_COMMIT_METADATA_LENGTH,
  MAX_CONSUMER_REQUEST_TIMEOUT_MS,
  MAX_LIST_ENTRIES,
  parseCommit,
  parseCreateConsumer,
  parseOffsets,
  parsePartitions,
  parsePositions,
  parseSubscription,
  type ConsumerDefaults,
} from '../../src/http/v2/consumer-requests.ts';

const defaults: ConsumerDefaults = { autoOffsetReset: 'latest', autoCommit: true };

/** Asserts that `fn` throws a RestError with this code, HTTP status and message (string = exact). */
function throwsRest(fn: () => unknown, errorCode: number, status: number, message?: string | RegExp): RestError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof RestError, `expected a RestError, got ${String(caught)}`);
  assert.equal(caught.errorCode, errorCode, caught.message);
  assert.equal(caught.status, status, caught.message);
  assert.deepEqual(caught.toJSON(), { error_code: errorCode, message: caught.message });
  if (typeof message === 'string') assert.equal(caught.message, message);
  else if (message) assert.match(caught.message, message);
  return caught;
}

const CONFIG_PREFIX = /^Invalid consumer configuration: /;

describe('parseCreateConsumer', () => {
  const create = (body: unknown, d: ConsumerDefaults = defaults) => parseCreateConsumer(body, d);

  test('no body, null or {} gives all defaults', () => {
    const expected = {
      name: undefined,
      config: { format: 'binary', autoOffsetReset: 'latest', autoCommit: true, fetchMinBytes: null, requestTimeoutMs: null },
    };
    assert.deepEqual(create(NO_BODY), expected);
    assert.deepEqual(create(null), expected);
    assert.deepEqual(create({}), expected);
  });

  test('the defaults come from the proxy settings', () => {
    const r = create(NO_BODY, { autoOffsetReset: 'earliest', autoCommit: false });
    assert.equal(r.config.autoOffsetReset, 'earliest');
    assert.equal(r.config.autoCommit, false);
  });

  test('a full request', () => {
    assert.deepEqual(
      create({
        name: 'my_consumer',
        format: 'json',
        'auto.offset.reset': 'earliest',
        'auto.commit.enable': 'false',
        'fetch.min.bytes': 1024,
        'consumer.request.timeout.ms': 5000,
      }),
      {
        name: 'my_consumer',
        config: { format: 'json', autoOffsetReset: 'earliest', autoCommit: false, fetchMinBytes: 1024, requestTimeoutMs: 5000 },
      },
    );
  });

  test('name, or id which wins over name', () => {
    assert.equal(create({ name: 'n1' }).name, 'n1');
    assert.equal(create({ id: 'i1' }).name, 'i1');
    assert.equal(create({ name: 'n1', id: 'i1' }).name, 'i1');
    assert.equal(create({ name: 'n1', id: null }).name, 'n1');
    assert.equal(create({ name: null }).name, undefined);
    assert.equal(create({ name: 'a.b_c-D9' }).name, 'a.b_c-D9');
    assert.equal(create({ name: 'x'.repeat(249) }).name, 'x'.repeat(249));
  });

  test('bad names are 42204; names that are not strings are 400, numbers and booleans their text', () => {
    for (const name of ['', 'has space', 'a/b', 'ü', 'x'.repeat(250)]) {
      throwsRest(() => create({ name }), 42204, 422, CONFIG_PREFIX);
      throwsRest(() => create({ id: name }), 42204, 422, CONFIG_PREFIX);
    }
    for (const name of [['a'], { a: 1 }]) {
      throwsRest(() => create({ name }), 400, 400, /^Cannot deserialize value of type `java\.lang\.String` from (Array|Object) value .*CreateConsumerInstanceRequest\["name"\]\)$/);
    }
    assert.equal(create({ name: 42 }).name, '42');
    assert.equal(create({ id: true }).name, 'true');
    // id wins, so a bad id is refused even with a good name.
    throwsRest(() => create({ name: 'good', id: 'bad id' }), 42204, 422, CONFIG_PREFIX);
  });

  test('format is case-insensitive', () => {
    assert.equal(create({ format: 'BINARY' }).config.format, 'binary');
    assert.equal(create({ format: 'Json' }).config.format, 'json');
    assert.equal(create({ format: 'json' }).config.format, 'json');
    assert.equal(create({ format: null }).config.format, 'binary');
  });

  test('an unknown format is 422 "Invalid format type"', () => {
    for (const format of ['string', 'xml', '', 7]) {
      throwsRest(() => create({ format }), 422, 422, /^Invalid format type/);
    }
  });

  test('schema formats are accepted, case-insensitively', () => {
    for (const [given, format] of [['avro', 'avro'], ['AVRO', 'avro'], ['jsonschema', 'jsonschema'], ['Protobuf', 'protobuf']]) {
      assert.equal(create({ format: given }).config.format, format);
    }
  });

  test('auto.offset.reset', () => {
    assert.equal(create({ 'auto.offset.reset': 'earliest' }).config.autoOffsetReset, 'earliest');
    assert.equal(create({ 'auto.offset.reset': 'latest' }, { autoOffsetReset: 'earliest', autoCommit: true }).config.autoOffsetReset, 'latest');
    assert.equal(create({ 'auto.offset.reset': null }).config.autoOffsetReset, 'latest');
    for (const value of ['bad-config', 'EARLIEST', 'smallest', '', 1]) {
      throwsRest(() => create({ 'auto.offset.reset': value }), 42204, 422, CONFIG_PREFIX);
    }
    const e = throwsRest(() => create({ 'auto.offset.reset': 'bad-config' }), 42204, 422, CONFIG_PREFIX);
    assert.match(e.message, /bad-config/);
    assert.match(e.message, /auto\.offset\.reset/);
  });

  test('auto.commit.enable as a string or a boolean', () => {
    assert.equal(create({ 'auto.commit.enable': 'true' }, { autoOffsetReset: 'latest', autoCommit: false }).config.autoCommit, true);
    assert.equal(create({ 'auto.commit.enable': true }, { autoOffsetReset: 'latest', autoCommit: false }).config.autoCommit, true);
    assert.equal(create({ 'auto.commit.enable': 'false' }).config.autoCommit, false);
    assert.equal(create({ 'auto.commit.enable': false }).config.autoCommit, false);
    assert.equal(create({ 'auto.commit.enable': null }).config.autoCommit, true);
  });

  test('a bad auto.commit.enable is 42204', () => {
    for (const value of ['yes', '1', 1, 0, '']) {
      const e = throwsRest(() => create({ 'auto.commit.enable': value }), 42204, 422, CONFIG_PREFIX);
      assert.match(e.message, /enable\.auto\.commit/);
    }
    for (const value of [{}, []]) throwsRest(() => create({ 'auto.commit.enable': value }), 400, 400, /\["auto\.commit\.enable"\]\)$/);
  });

  test(
    'auto.commit.enable is case-insensitive, as Kafka parses booleans',
    () => {
      assert.equal(create({ 'auto.commit.enable': 'TRUE' }, { autoOffsetReset: 'latest', autoCommit: false }).config.autoCommit, true);
      assert.equal(create({ 'auto.commit.enable': 'False' }).config.autoCommit, false);
      assert.equal(create({ 'auto.commit.enable': ' true ' }, { autoOffsetReset: 'latest', autoCommit: false }).config.autoCommit, true);
    },
  );

  test('fetch.min.bytes in [-1, 10000000], and its alias responseMinBytes', () => {
    assert.equal(create({ 'fetch.min.bytes': -1 }).config.fetchMinBytes, -1);
    assert.equal(create({ 'fetch.min.bytes': 0 }).config.fetchMinBytes, 0);
    assert.equal(create({ 'fetch.min.bytes': 10_000_000 }).config.fetchMinBytes, 10_000_000);
    assert.equal(create({ 'fetch.min.bytes': '2048' }).config.fetchMinBytes, 2048);
    assert.equal(create({ 'fetch.min.bytes': null }).config.fetchMinBytes, null);
    assert.equal(create({ responseMinBytes: 77 }).config.fetchMinBytes, 77);
    assert.equal(create({ 'fetch.min.bytes': 5, responseMinBytes: 77 }).config.fetchMinBytes, 5);
  });

  test('fetch.min.bytes out of range is error_code 40001 with HTTP status 422', () => {
    for (const value of [1.5, 'abc', '1e3', true, []]) {
      throwsRest(() => create({ 'fetch.min.bytes': value }), 400, 400, /\["fetch\.min\.bytes"\]\)$/);
    }
    for (const value of [-2, 10_000_001, '10000001']) {
      throwsRest(
        () => create({ 'fetch.min.bytes': value }),
        40001,
        422,
        /^Invalid consumer configuration\. It does not abide by the constraints: .*fetch\.min\.bytes/,
      );
    }
    throwsRest(() => create({ responseMinBytes: 10_000_001 }), 40001, 422);
  });

  test('consumer.request.timeout.ms and its alias requestWaitMs', () => {
    assert.equal(create({ 'consumer.request.timeout.ms': 0 }).config.requestTimeoutMs, 0);
    assert.equal(create({ 'consumer.request.timeout.ms': 30_000 }).config.requestTimeoutMs, 30_000);
    assert.equal(create({ 'consumer.request.timeout.ms': '250' }).config.requestTimeoutMs, 250);
    assert.equal(create({ requestWaitMs: 900 }).config.requestTimeoutMs, 900);
    assert.equal(create({ 'consumer.request.timeout.ms': 1, requestWaitMs: 900 }).config.requestTimeoutMs, 1);
    for (const value of [-1, '-1']) {
      const e = throwsRest(() => create({ 'consumer.request.timeout.ms': value }), 42204, 422, CONFIG_PREFIX);
      assert.match(e.message, /consumer\.request\.timeout\.ms/);
    }
    for (const value of [2_147_483_648, 0.5, 'soon']) {
      throwsRest(() => create({ 'consumer.request.timeout.ms': value }), 400, 400, /\["consumer\.request\.timeout\.ms"\]\)$/);
    }
    throwsRest(() => create({ requestWaitMs: -5 }), 42204, 422, CONFIG_PREFIX);
  });

  test('consumer.request.timeout.ms and requestWaitMs are capped at 5 minutes', () => {
    assert.equal(MAX_CONSUMER_REQUEST_TIMEOUT_MS, 300_000);
    assert.equal(create({ 'consumer.request.timeout.ms': 300_000 }).config.requestTimeoutMs, 300_000);
    assert.equal(create({ requestWaitMs: '300000' }).config.requestTimeoutMs, 300_000);
    for (const value of [300_001, '300001', 2_147_483_647]) {
      const e = throwsRest(() => create({ 'consumer.request.timeout.ms': value }), 42204, 422, CONFIG_PREFIX);
      assert.match(e.message, /consumer\.request\.timeout\.ms must be an integer in \[0, 300000\]/);
      throwsRest(() => create({ requestWaitMs: value }), 42204, 422, /\[0, 300000\]/);
    }
  });

  test('unknown fields are 42204 naming the field', () => {
    for (const field of ['group.id', 'max.poll.records', 'enable.auto.commit', 'foo']) {
      const e = throwsRest(() => create({ [field]: 'x' }), 42204, 422, CONFIG_PREFIX);
      assert.ok(e.message.includes(field), e.message);
    }
  });

  test('a body that is not an object is 400', () => {
    for (const body of [[], 'text', 5, true]) throwsRest(() => create(body), 400, 400);
  });
});

describe('parseSubscription', () => {
  const subscribe = (body: unknown, limits = { maxTopics: 1000 }) => parseSubscription(body, limits);

  test('topics, deduplicated in order', () => {
    assert.deepEqual(subscribe({ topics: ['t1', 't2'] }), { topics: ['t1', 't2'] });
    assert.deepEqual(subscribe({ topics: ['b', 'a', 'b', 'a', 'c'] }), { topics: ['b', 'a', 'c'] });
    assert.deepEqual(subscribe({ topics: [] }), { topics: [] });
  });

  test('a topic pattern', () => {
    assert.deepEqual(subscribe({ topic_pattern: 'test.*' }), { pattern: 'test.*' });
    assert.deepEqual(subscribe({ topics: null, topic_pattern: '^t[0-9]+$' }), { pattern: '^t[0-9]+$' });
  });

  test('topics win over topic_pattern', () => {
    assert.deepEqual(subscribe({ topics: ['t'], topic_pattern: 'x.*' }), { topics: ['t'] });
  });

  test('a bad regular expression is 422', () => {
    const e = throwsRest(() => subscribe({ topic_pattern: 'test[' }), 422, 422);
    assert.ok(e.message.includes('test['), e.message);
    throwsRest(() => subscribe({ topic_pattern: '(unclosed' }), 422, 422);
  });

  test('empty or null topic names are 422', () => {
    for (const topics of [[''], [null], ['t', '']]) {
      throwsRest(() => subscribe({ topics }), 422, 422, 'topics must be a list of topic names');
    }
  });

  test('values of the wrong JSON type are 400 with Jackson\'s message', () => {
    const SUB = 'io.confluent.kafkarest.entities.v2.ConsumerSubscriptionRecord';
    throwsRest(
      () => subscribe({ topics: 't' }),
      400,
      400,
      `Cannot deserialize value of type \`java.util.ArrayList<java.lang.String>\` from String value (token \`JsonToken.VALUE_STRING\`) (through reference chain: ${SUB}["topics"])`,
    );
    throwsRest(() => subscribe({ topics: { t: 1 } }), 400, 400, /from Object value/);
    throwsRest(
      () => subscribe({ topic_pattern: ['a'] }),
      400,
      400,
      `Cannot deserialize value of type \`java.lang.String\` from Array value (token \`JsonToken.START_ARRAY\`) (through reference chain: ${SUB}["topic_pattern"])`,
    );
    throwsRest(
      () => subscribe({ topics: ['a', ['b']] }),
      400,
      400,
      /from Array value .*\(through reference chain: .*ConsumerSubscriptionRecord\["topics"\]->java\.util\.ArrayList\[1\]\)$/,
    );
    // Numbers are coerced to their text, as Jackson does: 1 is a legal topic name.
    assert.deepEqual(subscribe({ topics: [1] }), { topics: ['1'] });
  });

  test('an unknown field is 400 naming it', () => {
    throwsRest(
      () => subscribe({ topic: ['t'] }),
      400,
      400,
      'Unrecognized field "topic" (class io.confluent.kafkarest.entities.v2.ConsumerSubscriptionRecord), not marked as ignorable ' +
        '(2 known properties: "topics", "topic_pattern"]) (through reference chain: io.confluent.kafkarest.entities.v2.ConsumerSubscriptionRecord["topic"])',
    );
  });

  test('an empty body is 422', () => {
    throwsRest(() => subscribe(NO_BODY), 422, 422, 'Request body is empty. Data is required.');
    throwsRest(() => subscribe(null), 422, 422, 'Request body is empty. Data is required.');
  });

  test('neither topics nor a pattern is 422', () => {
    for (const body of [{}, { topic_pattern: '' }, { topics: null, topic_pattern: null }]) {
      throwsRest(() => subscribe(body), 422, 422, /topics.*topic_pattern/);
    }
  });

  test('a body that is not an object is 400', () => {
    throwsRest(() => subscribe(['t']), 400, 400);
  });

  test('more distinct topics than consumer.subscription.max.topics is 422 naming the limit and the key', () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `topic-${i}`);
    assert.equal((subscribe({ topics: names(1000) }) as { topics: string[] }).topics.length, 1000);
    const e = throwsRest(() => subscribe({ topics: names(1001) }), 422, 422);
    assert.match(e.message, /at most 1000 topics/);
    assert.match(e.message, /consumer\.subscription\.max\.topics/);
    // Duplicates do not count; the limit is the one given.
    assert.deepEqual(subscribe({ topics: [...names(3), ...names(3)] }, { maxTopics: 3 }), { topics: names(3) });
    throwsRest(() => subscribe({ topics: names(4) }, { maxTopics: 3 }), 422, 422, /at most 3 topics/);
  });

  test('topics must be legal Kafka topic names', () => {
    assert.deepEqual(subscribe({ topics: ['a.B_c-9', 'x'.repeat(249), '...'] }), { topics: ['a.B_c-9', 'x'.repeat(249), '...'] });
    for (const bad of ['.', '..', 'x'.repeat(250), 'has space', 'a/b', 'tópico', 'a:b']) {
      throwsRest(() => subscribe({ topics: ['ok', bad] }), 422, 422, /^topics\[1\] is not a legal topic name/);
    }
  });

  test('a backtracking-prone pattern is accepted: RE2 matches it in linear time', () => {
    assert.deepEqual(subscribe({ topic_pattern: '(a+)+b' }), { pattern: '(a+)+b' });
  });

  test('patterns using what RE2 lacks (lookarounds, backreferences) are 422 with the reason', () => {
    const cases: Array<[string, RegExp]> = [
      ['(?!__).*', /lookahead and lookbehind/],
      ['(?=t).*', /lookahead and lookbehind/],
      ['.*(?<!-dlq)', /lookahead and lookbehind/],
      ['(t)\\1', /backreferences/],
    ];
    for (const [topic_pattern, reason] of cases) {
      const e = throwsRest(() => subscribe({ topic_pattern }), 422, 422, reason);
      assert.ok(e.message.includes(JSON.stringify(topic_pattern).slice(1, -1)), e.message);
    }
  });

  test('a pattern longer than 1024 characters is 422', () => {
    assert.deepEqual(subscribe({ topic_pattern: 'a'.repeat(1024) }), { pattern: 'a'.repeat(1024) });
    throwsRest(() => subscribe({ topic_pattern: 'a'.repeat(1025) }), 422, 422, /1025 characters long, the limit is 1024/);
  });
});

describe('parsePartitions', () => {
  test('a list of topic-partitions', () => {
    assert.deepEqual(
      parsePartitions({
        partitions: [
          { topic: 'test', partition: 0 },
          { topic: 'test', partition: 3 },
        ],
      }),
      [
        { topic: 'test', partition: 0 },
        { topic: 'test', partition: 3 },
      ],
    );
    assert.deepEqual(parsePartitions({ partitions: [] }), []);
    assert.deepEqual(parsePartitions({ partitions: [{ topic: 't', partition: '2' }] }), [{ topic: 't', partition: 2 }], 'Jackson reads "2" as 2');
  });

  test('unknown fields are 400, naming the entity of each endpoint', () => {
    const V2 = 'io.confluent.kafkarest.entities.v2';
    for (const [request, entity] of [
      ['assignment', 'ConsumerAssignmentRequest'],
      ['seekTo', 'ConsumerSeekToRequest'],
      ['committed', 'ConsumerCommittedRequest'],
    ] as const) {
      throwsRest(() => parsePartitions({ partition: [] }, request), 400, 400, new RegExp(`^Unrecognized field "partition" \\(class ${V2}\\.${entity}\\)`));
    }
    throwsRest(
      () => parsePartitions({ partitions: [{ topic: 'test', partition: 3, extra: true }] }),
      400,
      400,
      `Unrecognized field "extra" (class ${V2}.TopicPartition), not marked as ignorable (2 known properties: "topic", "partition"]) ` +
        `(through reference chain: ${V2}.ConsumerAssignmentRequest["partitions"]->java.util.ArrayList[0]->${V2}.TopicPartition["extra"])`,
    );
  });

  test('a missing list is 422; one that is not a list is 400', () => {
    throwsRest(() => parsePartitions({}), 422, 422, /"partitions" must be a list/);
    throwsRest(() => parsePartitions({ partitions: { topic: 't', partition: 0 } }), 400, 400, /^Cannot deserialize value of type `java\.util\.ArrayList<io\.confluent\.kafkarest\.entities\.v2\.TopicPartition>` from Object value/);
  });

  test('bad entries are 422 naming the entry', () => {
    const cases: Array<[unknown, RegExp]> = [
      [null, /partitions\[0\] must be an object/],
      [{ partition: 0 }, /partitions\[0\]\.topic/],
      [{ topic: '', partition: 0 }, /partitions\[0\]\.topic/],
      [{ topic: 't' }, /partitions\[0\]\.partition/],
      [{ topic: 't', partition: -1 }, /partitions\[0\]\.partition/],
    ];
    for (const [item, message] of cases) throwsRest(() => parsePartitions({ partitions: [item] }), 422, 422, message);
    // What does not bind is Jackson's 400, wherever it is in the list.
    for (const item of ['t', [], { topic: ['t'], partition: 0 }, { topic: 't', partition: 1.5 }, { topic: 't', partition: 'zero' }, { topic: 't', partition: true }]) {
      throwsRest(() => parsePartitions({ partitions: [{ topic: 'ok', partition: 0 }, item] }), 400, 400, /ArrayList\[1\]/);
    }
    throwsRest(() => parsePartitions({ partitions: [{ topic: 't', partition: 0 }, { topic: 't' }] }), 422, 422, /partitions\[1\]/);
  });

  test('assigned topics must be legal names, partitions int32', () => {
    throwsRest(() => parsePartitions({ partitions: [{ topic: 'a b', partition: 0 }] }), 422, 422, /^partitions\[0\]\.topic is not a legal topic name/);
    throwsRest(() => parsePartitions({ partitions: [{ topic: '..', partition: 0 }] }), 422, 422, /not a legal topic name/);
    assert.deepEqual(parsePartitions({ partitions: [{ topic: 't', partition: 2_147_483_647 }] }), [{ topic: 't', partition: 2_147_483_647 }]);
    throwsRest(() => parsePartitions({ partitions: [{ topic: 't', partition: 2_147_483_648 }] }), 400, 400, /^Numeric value \(2147483648\) out of range of int/);
  });

  test(`more than ${MAX_LIST_ENTRIES} entries is 422`, () => {
    const list = (n: number) => Array.from({ length: n }, (_, i) => ({ topic: 't', partition: i }));
    assert.equal(parsePartitions({ partitions: list(MAX_LIST_ENTRIES) }).length, MAX_LIST_ENTRIES);
    throwsRest(() => parsePartitions({ partitions: list(MAX_LIST_ENTRIES + 1) }), 422, 422, /^"partitions" may list at most 10000 entries/);
  });

  test('an empty body is 422', () => {
    throwsRest(() => parsePartitions(NO_BODY), 422, 422, 'Request body is empty. Data is required.');
    throwsRest(() => parsePartitions(null), 422, 422);
  });
});

describe('parseOffsets', () => {
  test('topic, partition, offset and optional metadata (null when absent)', () => {
    assert.deepEqual(
      parseOffsets(
        [
          { topic: 't', partition: 0, offset: 20, metadata: 'm' },
          { topic: 't', partition: 1, offset: 0 },
          { topic: 'u', partition: 2, offset: 5, metadata: null },
        ],
        'offsets',
      ),
      [
        { topic: 't', partition: 0, offset: 20, metadata: 'm' },
        { topic: 't', partition: 1, offset: 0, metadata: null },
        { topic: 'u', partition: 2, offset: 5, metadata: null },
      ],
    );
    assert.deepEqual(parseOffsets([], 'offsets'), []);
  });

  test('a non-list is 422 naming the field', () => {
    throwsRest(() => parseOffsets(undefined, 'things'), 422, 422, /^"things" must be a list/);
    throwsRest(() => parseOffsets({ topic: 't' }, 'offsets'), 400, 400, /^Cannot deserialize value of type `java\.util\.ArrayList</);
  });

  test('bad offsets and metadata are 422 naming the entry', () => {
    for (const offset of [-1, '-1', null, undefined]) {
      throwsRest(() => parseOffsets([{ topic: 't', partition: 0, offset }], 'offsets'), 422, 422, /^offsets\[0\]\.offset/);
    }
    for (const offset of [1.5, 'three', true, Number.MAX_SAFE_INTEGER + 2]) {
      throwsRest(() => parseOffsets([{ topic: 't', partition: 0, offset }], 'offsets'), 400, 400, /TopicPartitionOffsetMetadata\["offset"\]\)$/);
    }
    assert.equal(parseOffsets([{ topic: 't', partition: 0, offset: '3' }], 'offsets')[0]!.offset, 3, 'Jackson reads "3" as 3');
    assert.equal(parseOffsets([{ topic: 't', partition: 0, offset: 1, metadata: 5 }], 'offsets')[0]!.metadata, '5', 'and 5 as "5"');
    throwsRest(() => parseOffsets([{ topic: 't', partition: 0, offset: 1, metadata: {} }], 'offsets'), 400, 400, /TopicPartitionOffsetMetadata\["metadata"\]\)$/);
    throwsRest(() => parseOffsets([{ topic: 't', partition: -2, offset: 1 }], 'offsets'), 422, 422, /^offsets\[0\]\.partition/);
    throwsRest(() => parseOffsets([{ topic: 't/x', partition: 0, offset: 1 }], 'offsets'), 422, 422, /^offsets\[0\]\.topic is not a legal/);
    throwsRest(
      () => parseOffsets([{ topic: 't', partition: 0, offset: 1 }, { partition: 0, offset: 1 }], 'offsets'),
      422,
      422,
      /^offsets\[1\]\.topic/,
    );
  });
});

describe('list and metadata bounds', () => {
  const offsets = (n: number) => Array.from({ length: n }, (_, i) => ({ topic: 't', partition: i, offset: 0 }));

  test('metadata up to 4096 characters is kept; longer is 422 naming the field', () => {
    assert.equal(MAX_COMMIT_METADATA_LENGTH, 4096);
    const max = 'm'.repeat(4096);
    assert.equal(parseCommit({ offsets: [{ topic: 't', partition: 0, offset: 1, metadata: max }] })?.[0]?.metadata, max);
    // 40,000 characters used to reach the encoder, whose int16 length overflowed into a 500.
    for (const metadata of ['m'.repeat(4097), 'm'.repeat(40_000)]) {
      throwsRest(
        () => parseCommit({ offsets: [{ topic: 't', partition: 0, offset: 1 }, { topic: 't', partition: 1, offset: 1, metadata }] }),
        422,
        422,
        /^offsets\[1\]\.metadata must be at most 4096 characters/,
      );
    }
  });

  test('metadata is measured in UTF-16 code units, as the broker (Java String.length) measures it', () => {
    const euros = '€'.repeat(4096); // 12,288 bytes in UTF-8, 4,096 code units
    assert.equal(parseCommit({ offsets: [{ topic: 't', partition: 0, offset: 1, metadata: euros }] })?.[0]?.metadata, euros);
    const emoji = '😀'.repeat(2049); // 4,098 code units
    throwsRest(() => parseCommit({ offsets: [{ topic: 't', partition: 0, offset: 1, metadata: emoji }] }), 422, 422, /at most 4096 characters, not 4098$/);
  });

  test('offsets and timestamps lists are bounded too', () => {
    assert.equal(parseOffsets(offsets(MAX_LIST_ENTRIES), 'offsets').length, MAX_LIST_ENTRIES);
    throwsRest(() => parseCommit({ offsets: offsets(MAX_LIST_ENTRIES + 1) }), 422, 422, /^"offsets" may list at most 10000 entries/);
    throwsRest(() => parsePositions({ offsets: offsets(MAX_LIST_ENTRIES + 1) }), 422, 422, /^"offsets" may list at most/);
    const timestamps = Array.from({ length: MAX_LIST_ENTRIES + 1 }, (_, i) => ({ topic: 't', partition: i, timestamp: 0 }));
    throwsRest(() => parsePositions({ timestamps }), 422, 422, /^"timestamps" may list at most 10000 entries/);
  });

  test('timestamps before the epoch or fractional are 422 (negative ones are Kafka special queries)', () => {
    for (const timestamp of [-1, -2, 1.5, '1969-12-31T23:59:59Z']) {
      throwsRest(() => parsePositions({ timestamps: [{ topic: 't', partition: 0, timestamp }] }), 422, 422, /^timestamps\[0\]\.timestamp must be at or after 1970/);
    }
    assert.equal(parsePositions({ timestamps: [{ topic: 't', partition: 0, timestamp: 0 }] }).timestamps[0]?.timestamp, 0);
  });
});

describe('parsePositions', () => {
  test('offsets only (metadata is not kept)', () => {
    assert.deepEqual(parsePositions({ offsets: [{ topic: 't', partition: 0, offset: 20, metadata: 'optional' }] }), {
      offsets: [{ topic: 't', partition: 0, offset: 20 }],
      timestamps: [],
    });
  });

  test('ISO-8601 timestamps are parsed to epoch milliseconds', () => {
    assert.deepEqual(
      parsePositions({
        timestamps: [
          { topic: 't', partition: 0, timestamp: '2020-10-01T12:00:00Z', metadata: 'opt' },
          { topic: 't', partition: 1, timestamp: '2020-10-01T14:00:00.250+02:00' },
        ],
      }),
      {
        offsets: [],
        timestamps: [
          { topic: 't', partition: 0, timestamp: Date.UTC(2020, 9, 1, 12, 0, 0) },
          { topic: 't', partition: 1, timestamp: Date.UTC(2020, 9, 1, 12, 0, 0, 250) },
        ],
      },
    );
  });

  test('numeric timestamps are taken as they are', () => {
    assert.deepEqual(parsePositions({ timestamps: [{ topic: 't', partition: 0, timestamp: 1601553600000 }] }).timestamps, [
      { topic: 't', partition: 0, timestamp: 1601553600000 },
    ]);
  });

  test('both lists together', () => {
    const r = parsePositions({
      offsets: [{ topic: 'a', partition: 0, offset: 1 }],
      timestamps: [{ topic: 'b', partition: 0, timestamp: '1970-01-01T00:00:01Z' }],
    });
    assert.deepEqual(r, { offsets: [{ topic: 'a', partition: 0, offset: 1 }], timestamps: [{ topic: 'b', partition: 0, timestamp: 1000 }] });
  });

  test('missing timestamps are 422; timestamps that are not instants are 400', () => {
    for (const timestamp of ['', null, undefined, Number.NaN]) {
      throwsRest(
        () => parsePositions({ timestamps: [{ topic: 't', partition: 0, timestamp }] }),
        422,
        422,
        /^timestamps\[0\]\.timestamp must be an ISO-8601 date-time$/,
      );
    }
    throwsRest(() => parsePositions({ timestamps: [{ topic: 't', partition: 0, timestamp: Number.POSITIVE_INFINITY }] }), 422, 422);
    throwsRest(
      () => parsePositions({ timestamps: [{ topic: 't', partition: 0, timestamp: 'yesterday' }] }),
      400,
      400,
      'Cannot deserialize value of type `java.time.Instant` from String "yesterday": not an ISO-8601 instant with a zone, such as 2020-10-01T12:00:00Z ' +
        '(through reference chain: io.confluent.kafkarest.entities.v2.ConsumerSeekRequest["timestamps"]->java.util.ArrayList[0]->io.confluent.kafkarest.entities.v2.ConsumerSeekRequest$PartitionTimestamp["timestamp"])',
    );
    for (const timestamp of [true, {}, []]) {
      throwsRest(() => parsePositions({ timestamps: [{ topic: 't', partition: 0, timestamp }] }), 400, 400, /^Cannot deserialize value of type `java\.time\.Instant`/);
    }
    throwsRest(() => parsePositions({ timestamps: { topic: 't', partition: 0, timestamp: 0 } }), 400, 400, /PartitionTimestamp>` from Object value/);
    throwsRest(() => parsePositions({ timestamps: [{ partition: 0, timestamp: 0 }] }), 422, 422, /timestamps\[0\]\.topic/);
  });

  test('only ISO-8601 instants (with a zone) are accepted as timestamps', () => {
    for (const timestamp of ['2020-10-01T12:00:00', 'Thu, 01 Oct 2020 12:00:00 GMT', 'October 1, 2020']) {
      throwsRest(() => parsePositions({ timestamps: [{ topic: 't', partition: 0, timestamp }] }), 400, 400, /not an ISO-8601 instant/);
    }
  });

  test('bad offsets are 422', () => {
    throwsRest(() => parsePositions({ offsets: [{ topic: 't', partition: 0, offset: -1 }] }), 422, 422, /^offsets\[0\]\.offset/);
    throwsRest(() => parsePositions({ offsets: 'all' }), 400, 400, /ConsumerSeekRequest\$PartitionOffset>` from String value/);
    throwsRest(() => parsePositions({ offsets: [{ topic: 't', partition: 0, offset: 1, leader_epoch: 3 }] }), 400, 400, /^Unrecognized field "leader_epoch" \(class io\.confluent\.kafkarest\.entities\.v2\.ConsumerSeekRequest\$PartitionOffset\)/);
    throwsRest(() => parsePositions({ offset: [] }), 400, 400, /^Unrecognized field "offset" \(class io\.confluent\.kafkarest\.entities\.v2\.ConsumerSeekRequest\)/);
  });

  test('neither list is 422', () => {
    for (const body of [{}, { offsets: null, timestamps: null }]) {
      throwsRest(() => parsePositions(body), 422, 422, 'Positions need "offsets" or "timestamps".');
    }
  });

  test('an empty body is 422', () => {
    throwsRest(() => parsePositions(NO_BODY), 422, 422, 'Request body is empty. Data is required.');
    throwsRest(() => parsePositions(null), 422, 422, 'Request body is empty. Data is required.');
  });
});

describe('parseCommit', () => {
  test('no body, null, {} or null offsets mean "commit everything delivered"', () => {
    assert.equal(parseCommit(NO_BODY), null);
    assert.equal(parseCommit(null), null);
    assert.equal(parseCommit({}), null);
    assert.equal(parseCommit({ offsets: null }), null);
  });

  test('an offsets list is parsed with its metadata', () => {
    assert.deepEqual(parseCommit({ offsets: [{ topic: 'test', partition: 0, offset: 20, metadata: 'md' }, { topic: 'test', partition: 1, offset: 3 }] }), [
      { topic: 'test', partition: 0, offset: 20, metadata: 'md' },
      { topic: 'test', partition: 1, offset: 3, metadata: null },
    ]);
    assert.deepEqual(parseCommit({ offsets: [] }), []);
  });

  test('a bad offsets list is 422', () => {
    throwsRest(() => parseCommit({ offsets: 'x' }), 400, 400, /^Cannot deserialize value of type `java\.util\.ArrayList<io\.confluent\.kafkarest\.entities\.v2\.TopicPartitionOffsetMetadata>` from String value/);
    throwsRest(() => parseCommit({ offsets: [{ topic: 'test', partition: 0 }] }), 422, 422, /^offsets\[0\]\.offset/);
    throwsRest(() => parseCommit({ offsets: [{ topic: 'test', partition: 0, offset: 1, metadata: {} }] }), 400, 400, /\["metadata"\]\)$/);
    throwsRest(() => parseCommit({ offset: [] }), 400, 400, /^Unrecognized field "offset" \(class io\.confluent\.kafkarest\.entities\.v2\.ConsumerOffsetCommitRequest\)/);
  });

  test('a body that is not an object is 400', () => {
    throwsRest(() => parseCommit([]), 400, 400);
    throwsRest(() => parseCommit('x'), 400, 400);
  });
});
