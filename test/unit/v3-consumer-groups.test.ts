/**
 * The pure parts of v3 consumer groups: which __consumer_offsets partition (hence coordinator) a
 * group lives on, a member's assignment decoded from ConsumerProtocol bytes, the lag summary.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { assignedPartitions, groupPartition } from '../../src/kafka/v3/groups.ts';
import { lagSummary, type ConsumerLag } from '../../src/kafka/v3/lag.ts';

const { AssignerProtocol } = kafkajs;

describe('v3 consumer-group computations', () => {
  test("a group's coordinator partition is Kafka's abs(String.hashCode) modulo the partition count", () => {
    // From Java: "".hashCode() == 0, "consumer-group-1" 147483020, "my-group" -1906497762,
    // "orders-consumer" -1204742690, and "polygenelubricants" Integer.MIN_VALUE (Utils.abs gives 0).
    assert.equal(groupPartition('', 50), 0);
    assert.equal(groupPartition('consumer-group-1', 50), 20);
    assert.equal(groupPartition('my-group', 50), 12);
    assert.equal(groupPartition('orders-consumer', 50), 40);
    assert.equal(groupPartition('polygenelubricants', 50), 0);
    assert.equal(groupPartition('polygenelubricants', 1), 0);
  });

  test('assignments are decoded from ConsumerProtocol bytes and sorted; unreadable bytes assign nothing', () => {
    const bytes = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { b: [2, 0], a: [1] }, userData: Buffer.alloc(0) });
    assert.deepEqual(assignedPartitions(bytes), [
      { topic: 'a', partition: 1 },
      { topic: 'b', partition: 0 },
      { topic: 'b', partition: 2 },
    ]);
    assert.deepEqual(assignedPartitions(Buffer.alloc(0)), []);
    assert.deepEqual(assignedPartitions(Buffer.from([0, 0, 0, 0, 0, 9])), []);
  });

  test('the summary names the first partition lagging most and never counts negative lag', () => {
    const lag = (topic: string, partition: number, value: number, consumerId = 'm'): ConsumerLag => ({
      topic,
      partition,
      consumerId,
      instanceId: null,
      clientId: 'c',
      currentOffset: 10,
      logEndOffset: 10 + value,
      lag: value,
    });
    assert.equal(lagSummary([]), null);
    assert.deepEqual(lagSummary([lag('a', 0, -2), lag('a', 1, 5, 'first'), lag('b', 0, 5, 'second'), lag('b', 1, 1)]), {
      maxLagConsumerId: 'first',
      maxLagInstanceId: null,
      maxLagClientId: 'c',
      maxLagTopicName: 'a',
      maxLagPartitionId: 1,
      maxLag: 5,
      totalLag: 11,
    });
    assert.deepEqual(lagSummary([lag('a', 0, -3)])?.maxLag, 0);
  });
});
