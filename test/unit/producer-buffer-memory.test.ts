import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BufferMemory } from '../../src/actors/producer/buffer-memory.ts';

const soon = () => Date.now() + 60_000;
/** Lets settled promises run their callbacks. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

function track(promise: Promise<boolean>): { result: boolean | undefined } {
  const state: { result: boolean | undefined } = { result: undefined };
  void promise.then((r) => (state.result = r));
  return state;
}

describe('producer buffer memory', () => {
  test('reserves while there is room, and counts what is held', async () => {
    const buffer = new BufferMemory(100);
    assert.equal(await buffer.reserve(60, soon()), true);
    assert.equal(await buffer.reserve(40, soon()), true);
    assert.equal(buffer.usedBytes, 100);
    buffer.release(40);
    assert.equal(buffer.usedBytes, 60);
  });

  test('a reservation without room waits for a release', async () => {
    const buffer = new BufferMemory(100);
    await buffer.reserve(80, soon());
    const waiting = track(buffer.reserve(30, soon()));
    await tick();
    assert.equal(waiting.result, undefined, 'still waiting');
    assert.equal(buffer.waiting, 1);
    buffer.release(80);
    await tick();
    assert.equal(waiting.result, true);
    assert.equal(buffer.usedBytes, 30);
    assert.equal(buffer.waiting, 0);
  });

  test('a reservation that finds no room before its deadline is refused and holds nothing', async () => {
    const buffer = new BufferMemory(100);
    await buffer.reserve(100, soon());
    assert.equal(await buffer.reserve(1, Date.now() + 20), false);
    assert.equal(await buffer.reserve(1, Date.now()), false, 'a deadline already passed refuses at once');
    assert.equal(buffer.usedBytes, 100);
    assert.equal(buffer.waiting, 0);
  });

  test('waiters are admitted in arrival order: one that fits does not overtake a larger one ahead of it', async () => {
    const buffer = new BufferMemory(100);
    await buffer.reserve(90, soon());
    const order: string[] = [];
    const large = buffer.reserve(60, soon()).then((ok) => order.push(`large ${ok}`));
    const small = buffer.reserve(5, soon()).then((ok) => order.push(`small ${ok}`));
    await tick();
    assert.deepEqual(order, [], 'the small one waits behind the large one although it would fit');
    buffer.release(90);
    await Promise.all([large, small]);
    assert.deepEqual(order, ['large true', 'small true']);
    assert.equal(buffer.usedBytes, 65);
  });

  test('a waiter that gives up lets the ones behind it in', async () => {
    const buffer = new BufferMemory(100);
    await buffer.reserve(90, soon());
    const large = buffer.reserve(60, Date.now() + 20);
    const small = track(buffer.reserve(5, soon()));
    assert.equal(await large, false);
    await tick();
    assert.equal(small.result, true);
    assert.equal(buffer.usedBytes, 95);
  });

  test('a request larger than the whole buffer gets in when the buffer is empty, and then holds it alone', async () => {
    const buffer = new BufferMemory(100);
    assert.equal(await buffer.reserve(150, soon()), true);
    const next = track(buffer.reserve(1, soon()));
    await tick();
    assert.equal(next.result, undefined);
    buffer.release(150);
    await tick();
    assert.equal(next.result, true);

    const later = new BufferMemory(100);
    await later.reserve(10, soon());
    const huge = track(later.reserve(150, soon()));
    await tick();
    assert.equal(huge.result, undefined, 'not while anything else is held');
    later.release(10);
    await tick();
    assert.equal(huge.result, true);
  });
});
