// WakeUp (src/wake-up.ts): a wait ends at the next wake(), at its own timeout, or when its signal
// aborts; an ended wait is not woken again, and waking nobody is harmless.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WakeUp } from '../../src/wake-up.ts';

const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('WakeUp', () => {
  it('ends every wait at wake(), not before', async () => {
    const wakeUp = new WakeUp();
    const waits = [wakeUp.wait(60_000), wakeUp.wait(60_000)];
    assert.deepEqual(await Promise.all(waits.map(settled)), [false, false]);
    wakeUp.wake();
    assert.deepEqual(await Promise.all(waits.map(settled)), [true, true]);
  });

  it('ends a wait at its timeout without a wake()', async () => {
    await new WakeUp().wait(5);
  });

  it('ends a wait when its signal aborts, and leaves the others waiting', async () => {
    const wakeUp = new WakeUp();
    const stop = new AbortController();
    const aborted = wakeUp.wait(60_000, stop.signal);
    const other = wakeUp.wait(60_000);
    stop.abort();
    assert.equal(await settled(aborted), true);
    assert.equal(await settled(other), false);
    wakeUp.wake();
    assert.equal(await settled(other), true);
  });

  it('wakes only the waits that began before wake()', async () => {
    const wakeUp = new WakeUp();
    wakeUp.wake();
    const later = wakeUp.wait(60_000);
    assert.equal(await settled(later), false);
    wakeUp.wake();
    assert.equal(await settled(later), true);
  });
});
