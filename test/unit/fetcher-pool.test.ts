import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestError } from '../../src/errors.ts';
import { FetcherPool } from '../../src/kafka/fetcher-pool.ts';
import type { PartitionFetcher } from '../../src/kafka/partition-fetcher.ts';

function fakes() {
  const made: Array<{ id: number; closed: boolean }> = [];
  const create = () => {
    const fake = { id: made.length, closed: false, close: async () => void (fake.closed = true) };
    made.push(fake);
    return fake as unknown as PartitionFetcher;
  };
  return { made, create };
}

const idOf = (fetcher: PartitionFetcher) => (fetcher as unknown as { id: number }).id;
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

test('lends each fetcher to one user at a time, makes at most maxSize, and reuses those given back', async () => {
  const { made, create } = fakes();
  const pool = new FetcherPool(create, 2, 10_000);
  const [a, b] = [gate(), gate()];
  const first = pool.use(async (f) => (await a.opened, idOf(f)));
  const second = pool.use(async (f) => (await b.opened, idOf(f)));
  const third = pool.use(async (f) => idOf(f)); // waits: both are lent
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(pool.size, 2);
  b.open();
  assert.equal(await second, 1);
  assert.equal(await third, 1, 'the waiter gets the fetcher given back');
  a.open();
  assert.equal(await first, 0);
  assert.equal(await pool.use(async (f) => idOf(f)), 0);
  assert.equal(made.length, 2);
});

test('a user that waited timeoutMs is refused with 50301 (HTTP 500, as Confluent), and a failing user still gives its fetcher back', async () => {
  const { create } = fakes();
  const pool = new FetcherPool(create, 1, 20);
  const held = gate();
  const holder = pool.use(() => held.opened);
  await assert.rejects(
    pool.use(async () => 'never'),
    (error: unknown) => error instanceof RestError && error.errorCode === 50301 && error.status === 500 && /simpleconsumer\.pool\.timeout\.ms=20/.test(error.message),
  );
  held.open();
  await holder;
  await assert.rejects(pool.use(async () => Promise.reject(new Error('fetch failed'))), /fetch failed/);
  assert.equal(await pool.use(async () => 'served'), 'served');
  assert.equal(pool.size, 1);
});

test('close closes the idle fetchers, and one in use as it is given back; nothing is lent after', async () => {
  const { made, create } = fakes();
  const pool = new FetcherPool(create, 2, 1_000);
  const held = gate();
  const inUse = pool.use(async () => {
    await held.opened;
  });
  await pool.use(async () => undefined); // a second one, idle again
  await pool.close();
  assert.deepEqual(made.map((f) => f.closed), [false, true]);
  held.open();
  await inUse;
  assert.deepEqual(made.map((f) => f.closed), [true, true]);
  await assert.rejects(pool.use(async () => undefined), /closed/);
});
