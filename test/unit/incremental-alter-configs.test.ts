/**
 * IncrementalAlterConfigs v0 byte for byte, as Kafka's IncrementalAlterConfigsRequest.json and
 * IncrementalAlterConfigsResponse.json define it (arrays: int32 count; strings: int16 byte length
 * then UTF-8; a null string: length -1; bool: one byte), and the routing Java's admin uses: a
 * broker's own configs to that broker, everything else in one request to any broker.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  byBroker,
  decodeIncrementalAlterConfigsResponse,
  encodeIncrementalAlterConfigsRequest,
  incrementalAlterConfigs,
  INCREMENTAL_ALTER_CONFIGS,
  type AlterConfigsResource,
} from '../../src/kafka/incremental-alter-configs.ts';

const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const str = (s: string) => Buffer.concat([int16(Buffer.byteLength(s)), Buffer.from(s, 'utf8')]);
const NULL_STRING = int16(-1);
const int8 = (n: number) => Buffer.of(n & 0xff);

describe('IncrementalAlterConfigs v0 request', () => {
  test('api key 44, version 0 (the last non-flexible one)', () => {
    assert.equal(INCREMENTAL_ALTER_CONFIGS.apiKey, 44);
    assert.equal(INCREMENTAL_ALTER_CONFIGS.apiVersion, 0);
  });

  test('a topic resource: SET with its value, DELETE with a null value, ValidateOnly true', () => {
    const body = encodeIncrementalAlterConfigsRequest(
      [
        {
          type: 'TOPIC',
          name: 't',
          configs: [
            { name: 'cleanup.policy', operation: 'SET', value: 'compact' },
            { name: 'retention.ms', operation: 'DELETE', value: null },
          ],
        },
      ],
      true,
    );
    assert.equal(
      body.toString('hex'),
      [
        '00000001', // Resources: 1
        '02', // ResourceType TOPIC
        '0001', '74', // ResourceName "t"
        '00000002', // Configs: 2
        '000e', Buffer.from('cleanup.policy').toString('hex'), // Name
        '00', // ConfigOperation SET
        '0007', Buffer.from('compact').toString('hex'), // Value
        '000c', Buffer.from('retention.ms').toString('hex'),
        '01', // DELETE
        'ffff', // Value null
        '01', // ValidateOnly true
      ].join(''),
    );
  });

  test('broker resources, the cluster-wide one named "", APPEND and SUBTRACT, ValidateOnly false', () => {
    const body = encodeIncrementalAlterConfigsRequest(
      [
        { type: 'BROKER', name: '', configs: [{ name: 'a', operation: 'APPEND', value: 'x' }] },
        { type: 'BROKER', name: '1', configs: [{ name: 'b', operation: 'SUBTRACT', value: 'y' }] },
        { type: 'TOPIC', name: 'empty', configs: [] },
      ],
      false,
    );
    const expected = Buffer.concat([
      int32(3),
      int8(4), str(''), int32(1), str('a'), int8(2), str('x'),
      int8(4), str('1'), int32(1), str('b'), int8(3), str('y'),
      int8(2), str('empty'), int32(0),
      int8(0),
    ]);
    assert.deepEqual(body, expected);
    assert.equal(body.subarray(4, 7).toString('hex'), '040000', 'the default broker resource: type 4, an empty (not null) name');
  });

  test('string lengths count UTF-8 bytes, not characters', () => {
    const body = encodeIncrementalAlterConfigsRequest([{ type: 'TOPIC', name: 'café', configs: [] }], false);
    assert.deepEqual(body.subarray(5, 7), int16(5));
    assert.equal(body.subarray(7, 12).toString('utf8'), 'café');
  });

  test('a string longer than Kafka takes is refused before sending', () => {
    assert.throws(() => encodeIncrementalAlterConfigsRequest([{ type: 'TOPIC', name: 'x'.repeat(0x8000), configs: [] }], false), /longer than Kafka's 32767/);
  });
});

describe('IncrementalAlterConfigs v0 response', () => {
  const response = Buffer.concat([
    int32(10), // ThrottleTimeMs
    int32(2), // Responses: 2
    int16(40), str('Invalid value bogus for configuration cleanup.policy: String must be one of: compact, delete'), int8(2), str('t'),
    int16(0), NULL_STRING, int8(4), str(''),
  ]);

  test("each resource's error code and Kafka's own message, or null", () => {
    assert.deepEqual(decodeIncrementalAlterConfigsResponse(response), {
      throttleTimeMs: 10,
      resources: [
        { type: 'TOPIC', name: 't', errorCode: 40, errorMessage: 'Invalid value bogus for configuration cleanup.policy: String must be one of: compact, delete' },
        { type: 'BROKER', name: '', errorCode: 0, errorMessage: null },
      ],
    });
    assert.equal(INCREMENTAL_ALTER_CONFIGS.throttleTimeMs(response), 10, 'the throttle time leads the body');
  });

  test('a body cut short, with bytes left over, or naming a resource type never asked for is refused', () => {
    assert.throws(() => decodeIncrementalAlterConfigsResponse(response.subarray(0, response.length - 1)), /cut off/);
    assert.throws(() => decodeIncrementalAlterConfigsResponse(Buffer.concat([response, int8(0)])), /1 bytes after its last field/);
    assert.throws(() => decodeIncrementalAlterConfigsResponse(Buffer.concat([int32(0), int32(1), int16(0), NULL_STRING, int8(3), str('x')])), /resource type 3/);
    assert.throws(() => decodeIncrementalAlterConfigsResponse(Buffer.concat([int32(0), int32(1), int16(0), NULL_STRING, int8(2), NULL_STRING])), /a null where a string belongs/);
    assert.throws(() => decodeIncrementalAlterConfigsResponse(Buffer.concat([int32(0), int32(-1)])), /null Responses/);
  });
});

describe('IncrementalAlterConfigs routing', () => {
  const resource = (type: 'TOPIC' | 'BROKER', name: string): AlterConfigsResource => ({ type, name, configs: [{ name: 'x', operation: 'SET', value: '1' }] });
  const answer = (resources: AlterConfigsResource[], errorCode = (r: AlterConfigsResource) => (r.name === 'b' ? 40 : 0)) =>
    Buffer.concat([int32(0), int32(resources.length), ...resources.map((r) => Buffer.concat([int16(errorCode(r)), errorCode(r) ? str(`no ${r.name}`) : NULL_STRING, int8(r.type === 'TOPIC' ? 2 : 4), str(r.name)]))]);

  test("a broker's own configs go to that broker; topics and the cluster-wide defaults to any broker, together", () => {
    const groups = byBroker([resource('TOPIC', 'a'), resource('BROKER', '1'), resource('BROKER', ''), resource('BROKER', '2'), resource('TOPIC', 'b'), resource('BROKER', '1')]);
    assert.deepEqual(
      [...groups].map(([nodeId, resources]) => [nodeId, resources.map((r) => `${r.type}:${r.name}`)]),
      [
        [null, ['TOPIC:a', 'BROKER:', 'TOPIC:b']],
        [1, ['BROKER:1', 'BROKER:1']],
        [2, ['BROKER:2']],
      ],
    );
    assert.throws(() => byBroker([resource('BROKER', 'one')]), /named by its id/);
  });

  test('one request per broker; outcomes in the order asked, whatever order brokers answer in', async () => {
    const sent: Array<[number | null, number]> = [];
    const asked = [resource('TOPIC', 'a'), resource('BROKER', '2'), resource('TOPIC', 'b')];
    const outcomes = await incrementalAlterConfigs(
      async (nodeId, body) => {
        sent.push([nodeId, body.at(-1)!]);
        const group = byBroker(asked).get(nodeId)!;
        return answer([...group].reverse());
      },
      asked,
      true,
    );
    assert.deepEqual(new Map(sent), new Map([[null, 1], [2, 1]]), 'one request each, ValidateOnly in every one');
    assert.equal(sent.length, 2);
    assert.deepEqual(outcomes, [
      { type: 'TOPIC', name: 'a', errorCode: 0, errorMessage: null },
      { type: 'BROKER', name: '2', errorCode: 0, errorMessage: null },
      { type: 'TOPIC', name: 'b', errorCode: 40, errorMessage: 'no b' },
    ]);
  });

  test('a resource the broker left out is not taken as changed; a failed send fails the call', async () => {
    const outcomes = await incrementalAlterConfigs(async () => answer([]), [resource('TOPIC', 'a')], false);
    assert.deepEqual(outcomes, [{ type: 'TOPIC', name: 'a', errorCode: -1, errorMessage: 'The broker did not answer for this resource.' }]);
    await assert.rejects(
      incrementalAlterConfigs(async () => {
        throw new Error('connection closed');
      }, [resource('TOPIC', 'a')], false),
      /connection closed/,
    );
  });
});
