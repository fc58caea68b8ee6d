/**
 * The baseline: a native kafkajs consumer (its own group, fromBeginning, eachBatch) reading the
 * same records on the same broker, timed from its group join to the last record.
 */
import type { Consumer, Kafka } from 'kafkajs';
import { OffsetTracker } from './http-consume.ts';
import { describeError, round } from './load.ts';
import { CpuMeter, type ProxyPids } from './proc.ts';
import { Samples, tally, type ConsumeRun, type DataSet } from './consume-types.ts';

export async function nativeConsume(
  kafka: Kafka,
  data: DataSet,
  options: { group: string; deadlineMs: number; proxyPid: ProxyPids; brokerPid: number | null; consumers: Consumer[] },
): Promise<ConsumeRun> {
  const tracker = new OffsetTracker(data.highWatermarks);
  const errors = new Samples();
  const consumer = kafka.consumer({ groupId: options.group });
  options.consumers.push(consumer);
  const cpu = new CpuMeter(options.proxyPid, options.brokerPid);
  const setupStart = performance.now();
  let joinedAt: number | null = null;
  let end = setupStart;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (joinedAt !== null) return;
    joinedAt = performance.now();
    cpu.begin();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => errors.add(`consumer crash: ${describeError(payload.error)}`));
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.connect();
  await consumer.subscribe({ topics: [data.topic], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        if (m.key !== null || m.value?.length !== data.valueBytes) tracker.badValues++;
        tracker.add(batch.partition, Number(m.offset));
      }
      end = performance.now();
      if (tracker.distinct >= data.records) done();
    },
  });
  const deadline = setTimeout(done, options.deadlineMs);
  await finished;
  clearTimeout(deadline);
  const usage = joinedAt === null ? null : cpu.end();
  const start = joinedAt ?? setupStart;
  const elapsedS = (end - start) / 1000;
  await consumer.disconnect();
  options.consumers.splice(options.consumers.indexOf(consumer), 1);
  return {
    ...tally(tracker, data, elapsedS),
    elapsedWithSetupS: round((end - setupStart) / 1000, 3),
    setupMs: round(start - setupStart, 1),
    cpu: usage,
    errors,
  };
}
