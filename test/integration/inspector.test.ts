/**
 * The actor inspector in a real browser (Debian's Chromium driven by playwright-core): a consumer
 * created over REST appears, and subscribing it changes its state and adds journal entries on the
 * page live, without a reload. A screenshot is kept in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM } from '../../scripts/ensure-chromium.ts';
import { createTopic, uniqueTopic } from '../helpers/cluster.ts';
import { createConsumer, post } from '../helpers/consumer.ts';
import { call, startTestProxy, type TestProxy } from '../helpers/proxy.ts';

const ARTIFACTS = 'test-artifacts';

describe('actor inspector', () => {
  let proxy: TestProxy;
  let browser: Browser;

  before(async () => {
    proxy = await startTestProxy();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
    await proxy?.close();
  });

  test('a consumer appears, and subscribing it changes its state and timeline live', async () => {
    const management = proxy.managementUrls[0]!;
    const topic = await createTopic(uniqueTopic('inspect'), 2);
    const name = `inspected-${randomUUID().slice(0, 8)}`;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await page.goto(`${management}/inspector`);
      await page.locator('#live.on').waitFor({ timeout: 10_000 });
      for (const slot of ['producer-slot-0', 'producer-slot-3']) {
        await page.locator(`li[data-actor-id="${slot}"]`).waitFor({ timeout: 10_000 });
      }

      const base = await createConsumer(proxy.url, 'inspector-group', { name, 'auto.offset.reset': 'earliest' });
      const actorId = proxy.consumers.get('inspector-group', name).actorId;
      const item = page.locator(`li[data-actor-id="${actorId}"]`);
      await item.waitFor({ timeout: 10_000 });
      assert.match(await item.innerText(), new RegExp(`inspector-group / ${name}`));
      await item.click();
      await page.locator(`#detail[data-actor-id="${actorId}"]`).waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('#state').innerText(), 'active.unsubscribed');
      assert.equal(await page.locator('#machine span.current[data-path="active.unsubscribed"]').count(), 1);
      assert.equal(await page.locator('#timeline tr[data-type="Created"]').count(), 1);

      assert.equal((await post(`${base}/subscription`, { topics: [topic] })).status, 204);
      // No reload: the server-sent journal events bring the change in.
      await page.locator('#state', { hasText: 'active.subscribed' }).waitFor({ timeout: 10_000 });
      await page.locator('#timeline tr[data-type="Subscribed"]').waitFor({ timeout: 10_000 });
      await page.locator('#machine span.current[data-path="active.subscribed"]').waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('#machine span.current[data-path="active.unsubscribed"]').count(), 0);
      await page.locator('#timeline tr[data-type="Joined"]').waitFor({ timeout: 15_000 });
      await page.locator('#partitions tbody tr').first().waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('#partitions tbody tr').count(), 2, 'both partitions with their offsets and lag');
      // Why an instance may be stuck: its live regions, read pipeline and the group as Kafka sees it.
      let detail = await call(`${management}/inspector/api/actors/${actorId}`);
      for (let i = 0; i < 100 && !detail.body.context.live.includes('live.membership.member'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        detail = await call(`${management}/inspector/api/actors/${actorId}`);
      }
      assert.ok(detail.body.context.live.includes('live.membership.member'), JSON.stringify(detail.body.context.live));
      assert.equal(detail.body.context.pipeline.queued, 0);
      assert.equal(typeof detail.body.context.pipeline.bufferedBytes, 'number');
      assert.equal(detail.body.context.groupMembers.members.length, 1);
      assert.ok(detail.body.partitions.every((p: { lag: number | null }) => p.lag === 0), 'an empty topic: nothing to read yet');

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'inspector.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  test('the inspector and its API live on the management listener only', async () => {
    assert.equal((await call(`${proxy.url}/inspector`)).status, 404);
    assert.equal((await call(`${proxy.url}/inspector/api/actors`)).status, 404);
    const actors = await call(`${proxy.managementUrls[0]}/inspector/api/actors`);
    assert.equal(actors.status, 200);
    assert.ok(actors.body.some((a: { kind: string }) => a.kind === 'supervisor'));
    assert.equal((await call(`${proxy.managementUrls[0]}/inspector/api/actors/nobody`)).status, 404);
  });
});

test('an instance restored after a restart shows its whole journal history', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-inspector-'));
  const journal = join(dir, 'journal.db');
  try {
    const topic = await createTopic(uniqueTopic('history'), 1);
    const first = await startTestProxy({ 'journal.path': journal });
    const base = await createConsumer(first.url, 'history-group', { name: 'kept' });
    await post(`${base}/subscription`, { topics: [topic] });
    await first.close();
    const second = await startTestProxy({ 'journal.path': journal });
    try {
      const actorId = second.consumers.get('history-group', 'kept').actorId;
      const detail = await call(`${second.managementUrls[0]}/inspector/api/actors/${actorId}`);
      assert.equal(detail.status, 200);
      assert.equal(detail.body.state, 'active.subscribed');
      const types = detail.body.timeline.map((e: { type: string }) => e.type);
      assert.deepEqual(types.slice(0, 2), ['Created', 'Subscribed'], types.join(', '));
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
