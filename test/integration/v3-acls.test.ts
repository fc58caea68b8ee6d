/**
 * API v3 ACLs on a broker of its own with an authorizer (the proxy connects as User:ANONYMOUS,
 * a super user): Confluent's AclsResourceIntegrationTest scenarios (create, search, delete one by
 * one and by filter, batch create, the refused requests) with exact bodies, each outcome checked
 * with a native admin client too; and on the suite's broker, which has no authorizer, Kafka's
 * SECURITY_DISABLED answered as 400/40002.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { nativeKafka } from '../helpers/cluster.ts';
import { startAclBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { call, startTestProxy, type Reply, type TestProxy } from '../helpers/proxy.ts';

const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;
const JSON_BODY = { 'Content-Type': 'application/json' };

type Admin = ReturnType<ReturnType<typeof nativeKafka>['admin']>;

const nameOf = (values: Record<string, unknown>, n: number) => Object.entries(values).find(([, v]) => v === n)?.[0];

/** Every ACL on the broker, as `TYPE|name|PATTERN|principal|host|OPERATION|PERMISSION`, sorted. */
async function brokerAcls(admin: Admin, principal?: string): Promise<string[]> {
  const { resources } = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY,
    resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY,
    permissionType: AclPermissionTypes.ANY,
    principal,
  });
  return resources
    .flatMap((r) =>
      r.acls.map((a) =>
        [
          nameOf(AclResourceTypes, r.resourceType),
          r.resourceName,
          nameOf(ResourcePatternTypes, r.resourcePatternType),
          a.principal,
          a.host,
          nameOf(AclOperationTypes, a.operation),
          nameOf(AclPermissionTypes, a.permissionType),
        ].join('|'),
      ),
    )
    .sort();
}

const post = (url: string, body?: unknown) => call(url, { method: 'POST', headers: JSON_BODY, body });
const del = (url: string) => call(url, { method: 'DELETE', headers: { Accept: 'application/json' } });

function assertError(reply: Reply, status: number, errorCode: number, message?: string | RegExp): void {
  const seen = `${reply.status} ${JSON.stringify(reply.body)}`;
  assert.equal(reply.status, status, seen);
  assert.equal(reply.body?.error_code, errorCode, seen);
  if (typeof message === 'string') assert.equal(reply.body.message, message, seen);
  else if (message) assert.match(reply.body.message, message, seen);
}

describe('v3 ACLs on a broker with an authorizer', () => {
  let own: OwnBroker;
  let proxy: TestProxy;
  let admin: Admin;
  let clusterId: string;
  let acls: string; // <proxy>/v3/clusters/<id>/acls

  before(async () => {
    own = await startAclBroker('acls');
    proxy = await startTestProxy({ 'bootstrap.servers': own.broker.bootstrapServers });
    admin = nativeKafka(own.broker.bootstrapServers).admin();
    await admin.connect();
    clusterId = (await admin.describeCluster()).clusterId;
    acls = `${proxy.url}/v3/clusters/${clusterId}/acls`;
  });
  after(async () => {
    await admin?.disconnect();
    await proxy?.close();
    await own?.remove();
  });

  // Confluent's two ACLs, and the search that finds both.
  const alice = { resource_type: 'TOPIC', resource_name: '*', pattern_type: 'LITERAL', principal: 'User:alice', host: '*', operation: 'READ', permission: 'ALLOW' };
  const bob = { resource_type: 'TOPIC', resource_name: 'topic-', pattern_type: 'PREFIXED', principal: 'User:bob', host: '1.2.3.4', operation: 'WRITE', permission: 'ALLOW' };
  const aliceUrl = () => `${acls}?resource_type=TOPIC&resource_name=*&pattern_type=LITERAL&principal=User%3Aalice&host=*&operation=READ&permission=ALLOW`;
  const bobUrl = () => `${acls}?resource_type=TOPIC&resource_name=topic-&pattern_type=PREFIXED&principal=User%3Abob&host=1.2.3.4&operation=WRITE&permission=ALLOW`;
  const searchUrl = () => `${acls}?resource_type=TOPIC&resource_name=topic-1&pattern_type=MATCH&principal=&host=&operation=ANY&permission=ANY`;
  const search = () => call(`${acls}?resource_type=topic&resource_name=topic-1&pattern_type=match`, { headers: { Accept: 'application/json' } });
  const aliceData = () => ({ kind: 'KafkaAcl', metadata: { self: aliceUrl() }, cluster_id: clusterId, ...alice });
  const bobData = () => ({ kind: 'KafkaAcl', metadata: { self: bobUrl() }, cluster_id: clusterId, ...bob });
  const found = (data: unknown[]) => ({ kind: 'KafkaAclList', metadata: { self: searchUrl(), next: null }, data });
  const ALICE = 'TOPIC|*|LITERAL|User:alice|*|READ|ALLOW';
  const BOB = 'TOPIC|topic-|PREFIXED|User:bob|1.2.3.4|WRITE|ALLOW';

  test('create answers 201 with the ACL search URL; search finds both, sorted; each self URL deletes its ACL', async () => {
    const before = await search();
    assert.equal(before.status, 200);
    assert.deepEqual(before.body, found([]));

    for (const [acl, url] of [[bob, bobUrl()], [alice, aliceUrl()]] as const) {
      const created = await post(acls, acl);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.headers.get('location'), url);
      assert.equal(created.body, undefined, 'no body');
    }
    assert.deepEqual(await brokerAcls(admin), [ALICE, BOB]);

    const both = await search();
    assert.equal(both.status, 200);
    assert.match(both.type ?? '', /^application\/json\b/);
    assert.deepEqual(both.body, found([aliceData(), bobData()]));

    const deletedAlice = await del(aliceUrl());
    assert.equal(deletedAlice.status, 200);
    assert.deepEqual(deletedAlice.body, { data: [aliceData()] });
    assert.deepEqual(await brokerAcls(admin), [BOB]);
    const deletedBob = await del(bobUrl());
    assert.deepEqual(deletedBob.body, { data: [bobData()] });
    assert.deepEqual(await brokerAcls(admin), []);
    assert.deepEqual((await search()).body, found([]));
  });

  test('acls:batch creates every entry (204); a DELETE without its filter is refused; the search URL deletes both', async () => {
    const batch = await post(`${acls}:batch`, { data: [bob, alice] });
    assert.equal(batch.status, 204, JSON.stringify(batch.body));
    assert.equal(batch.body, undefined);
    assert.deepEqual(await brokerAcls(admin), [ALICE, BOB]);
    assert.deepEqual((await search()).body, found([aliceData(), bobData()]));

    assertError(await del(acls), 400, 400, 'resource_type is required');
    assertError(await del(`${acls}?resource_type=TOPIC&pattern_type=ANY&operation=ANY`), 400, 400, 'permission is required');
    assertError(await del(`${acls}?resource_type=teapot`), 404, 404, 'HTTP 404 Not Found');
    assert.deepEqual(await brokerAcls(admin), [ALICE, BOB], 'nothing deleted');

    const deleted = await del(searchUrl());
    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, { data: [aliceData(), bobData()] });
    assert.deepEqual(await brokerAcls(admin), []);
  });

  test('filters take enum names in any case; an unknown name is 404, UNKNOWN 400; left out, they match anything', async () => {
    const principal = `User:carol-${randomUUID().slice(0, 8)}`;
    const carol = { resource_type: 'group', resource_name: 'app-', pattern_type: 'Prefixed', principal, host: '10.0.0.1', operation: 'describe', permission: 'deny' };
    const carolUrl = `${acls}?resource_type=GROUP&resource_name=app-&pattern_type=PREFIXED&principal=${encodeURIComponent(principal)}&host=10.0.0.1&operation=DESCRIBE&permission=DENY`;
    const created = await post(acls, carol);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('location'), carolUrl);
    const carolData = {
      kind: 'KafkaAcl',
      metadata: { self: carolUrl },
      cluster_id: clusterId,
      ...carol,
      resource_type: 'GROUP',
      pattern_type: 'PREFIXED',
      operation: 'DESCRIBE',
      permission: 'DENY',
    };

    const byPrincipal = await call(`${acls}?principal=${encodeURIComponent(principal)}`);
    assert.deepEqual(byPrincipal.body, {
      kind: 'KafkaAclList',
      metadata: { self: `${acls}?resource_type=ANY&resource_name=&pattern_type=ANY&principal=${encodeURIComponent(principal)}&host=&operation=ANY&permission=ANY`, next: null },
      data: [carolData],
    });
    const p = `principal=${encodeURIComponent(principal)}`;
    assert.deepEqual((await call(`${acls}?${p}&resource_type=Group&operation=DESCRIBE&permission=Deny`)).body.data, [carolData]);
    assert.deepEqual((await call(`${acls}?${p}&resource_type=&host=`)).body.data, [carolData], 'empty parameters are their defaults');
    assert.deepEqual((await call(`${acls}?${p}&permission=ALLOW`)).body.data, []);
    assert.deepEqual((await call(`${acls}?${p}&resource_type=TOPIC`)).body.data, []);
    assert.deepEqual((await call(`${acls}?${p}&host=10.0.0.2`)).body.data, []);

    assertError(await call(`${acls}?resource_type=teapot`), 404, 404, 'HTTP 404 Not Found');
    assertError(await call(`${acls}?operation=READING`), 404, 404);
    assertError(await call(`${acls}?resource_type=unknown`), 400, 400, 'resource_type cannot be UNKNOWN');
    assertError(await call(`${acls}?pattern_type=UNKNOWN`), 400, 400, 'pattern_type cannot be UNKNOWN');
    assertError(await call(`${acls}?operation=Unknown`), 400, 400, 'operation cannot be UNKNOWN');
    assertError(await call(`${acls}?permission=UNKNOWN`), 400, 400, 'permission cannot be UNKNOWN');
    const all = `resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY&${p}`;
    assertError(await del(`${acls}?resource_type=ANY&pattern_type=ANY&operation=UNKNOWN&permission=ANY&${p}`), 400, 400, 'operation cannot be UNKNOWN');
    assert.deepEqual(await brokerAcls(admin, principal), [`GROUP|app-|PREFIXED|${principal}|10.0.0.1|DESCRIBE|DENY`], 'nothing deleted');

    const deleted = await del(`${acls}?${all}`);
    assert.deepEqual(deleted.body, { data: [carolData] });
    assert.deepEqual(await brokerAcls(admin, principal), []);
  });

  test('create refuses what names no single ACL, what does not bind, and what the broker would refuse; nothing is created', async () => {
    const principal = `User:dave-${randomUUID().slice(0, 8)}`;
    const dave = { resource_type: 'TOPIC', resource_name: 'orders', pattern_type: 'LITERAL', principal, host: '*', operation: 'WRITE', permission: 'ALLOW' };
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ resource_type: 'ANY' }, 'resource_type cannot be ANY'],
      [{ resource_type: 'UNKNOWN' }, 'resource_type cannot be UNKNOWN'],
      [{ pattern_type: 'ANY' }, 'pattern_type cannot be ANY'],
      [{ pattern_type: 'MATCH' }, 'pattern_type cannot be MATCH'],
      [{ pattern_type: 'UNKNOWN' }, 'pattern_type cannot be UNKNOWN'],
      [{ operation: 'ANY' }, 'operation cannot be ANY'],
      [{ operation: 'UNKNOWN' }, 'operation cannot be UNKNOWN'],
      [{ permission: 'ANY' }, 'permission cannot be ANY'],
      [{ permission: 'UNKNOWN' }, 'permission cannot be UNKNOWN'],
    ];
    for (const [change, message] of refusals) assertError(await post(acls, { ...dave, ...change }), 400, 400, message);

    assertError(await post(acls), 422, 42206, 'Payload error. Request body is empty. Data is required.');
    assertError(await post(acls, 'null'), 422, 42206);
    const { principal: _p, host: _h, ...incomplete } = dave;
    assertError(
      await post(acls, incomplete),
      400,
      400,
      'Cannot construct instance of `io.confluent.kafkarest.entities.v3.CreateAclRequest`, problem: Missing required properties principal host',
    );
    assertError(await post(acls, { ...dave, host: null }), 400, 400, /Missing required properties host$/);
    assertError(await post(acls, { ...dave, topic: 'x' }), 400, 400, /^Unrecognized field "topic" \(class io\.confluent\.kafkarest\.entities\.v3\.CreateAclRequest\)/);
    assertError(await post(acls, { ...dave, operation: 'READING' }), 400, 400, /from String "READING": not one of the values accepted for Enum class: \[UNKNOWN, ANY, ALL, READ,/);
    assertError(await post(acls, { ...dave, permission: 3 }), 400, 400, /Acl\$Permission/);
    assertError(await post(acls, [dave]), 400, 400);
    assertError(await post(acls, '{"resource_type":'), 400, 400);

    // Refused by the broker (kafkajs would only say "malformed"): Kafka's own reasons, 40002.
    assertError(
      await post(acls, { ...dave, principal: 'dave' }),
      400,
      40002,
      'Could not parse principal from `dave` (no colon is present separating the principal type from the principal name)',
    );
    assertError(await post(acls, { ...dave, resource_type: 'CLUSTER', resource_name: 'my-cluster' }), 400, 40002, 'The only valid name for the CLUSTER resource is kafka-cluster');
    assertError(await post(acls, { ...dave, resource_name: '' }), 400, 40002, 'Invalid empty resource name');
    assert.deepEqual(await brokerAcls(admin, principal), [], 'nothing created');
    assert.deepEqual(await brokerAcls(admin, 'dave'), [], 'nothing created');

    const cluster = await post(acls, { ...dave, resource_type: 'CLUSTER', resource_name: 'kafka-cluster', operation: 'DESCRIBE' });
    assert.equal(cluster.status, 201, JSON.stringify(cluster.body));
    assert.deepEqual(await brokerAcls(admin, principal), [`CLUSTER|kafka-cluster|LITERAL|${principal}|*|DESCRIBE|ALLOW`]);
    assert.equal((await del(cluster.headers.get('location')!)).body.data.length, 1);
  });

  test("acls:batch answers Confluent's 422s for no data, 204 for an empty list, and 400 for an entry it cannot create", async () => {
    const principal = `User:erin-${randomUUID().slice(0, 8)}`;
    const erin = { resource_type: 'TOPIC', resource_name: 'events', pattern_type: 'LITERAL', principal, host: '*', operation: 'READ', permission: 'ALLOW' };
    const batch = `${acls}:batch`;

    const empty = await post(batch, { data: [] });
    assert.equal(empty.status, 204);
    assertError(await post(batch), 422, 42206, 'Payload error. Null input provided. Data is required.');
    assertError(await post(batch, {}), 422, 42206, 'Payload error. Empty input provided. Data is required.');
    assertError(await post(batch, { data: null }), 422, 42206, 'Payload error. Empty input provided. Data is required.');
    assertError(await post(batch, { data: [erin, null] }), 422, 42206);
    assertError(
      await post(batch, '{"data": [{"resource_type":"TOPIC"}]}'),
      400,
      400,
      'Cannot construct instance of `io.confluent.kafkarest.entities.v3.CreateAclRequest`, problem: Missing required properties resourceName patternType principal host operation permission' +
        ' (through reference chain: io.confluent.kafkarest.entities.v3.CreateAclBatchRequestData["data"]->java.util.ArrayList[0])',
    );
    assertError(await post(batch, { data: [erin, { ...erin, operation: 'ANY' }] }), 400, 400, 'operation cannot be ANY');
    assertError(await post(batch, { data: [erin, { ...erin, principal: 'erin' }] }), 400, 40002, /^Could not parse principal from `erin`/);
    assertError(await post(batch, { data: erin }), 400, 400, /java\.util\.ArrayList/);
    assertError(await post(batch, { data: [erin], validate_only: true }), 400, 400, /^Unrecognized field "validate_only"/);
    assert.deepEqual(await brokerAcls(admin, principal), [], 'no entry of a refused batch is created');
  });

  test('an unknown cluster is 404 on every ACL endpoint, and nothing is created', async () => {
    const principal = `User:frank-${randomUUID().slice(0, 8)}`;
    const frank = { resource_type: 'TOPIC', resource_name: 'x', pattern_type: 'LITERAL', principal, host: '*', operation: 'READ', permission: 'ALLOW' };
    const other = `${proxy.url}/v3/clusters/no-such-cluster/acls`;
    const message = 'Cluster no-such-cluster cannot be found.';
    assertError(await call(other), 404, 404, message);
    assertError(await post(other, frank), 404, 404, message);
    assertError(await post(`${other}:batch`, { data: [frank] }), 404, 404, message);
    assertError(await del(`${other}?resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY`), 404, 404, message);
    assert.deepEqual(await brokerAcls(admin, principal), []);
  });
});

describe('v3 ACLs on a broker without an authorizer', () => {
  let proxy: TestProxy;
  let acls: string;

  before(async () => {
    proxy = await startTestProxy();
    const admin = nativeKafka().admin();
    await admin.connect();
    try {
      acls = `${proxy.url}/v3/clusters/${(await admin.describeCluster()).clusterId}/acls`;
    } finally {
      await admin.disconnect();
    }
  });
  after(() => proxy?.close());

  test("every ACL endpoint answers Kafka's SECURITY_DISABLED as 400/40002, as Confluent does", async () => {
    const acl = { resource_type: 'TOPIC', resource_name: 't', pattern_type: 'LITERAL', principal: 'User:x', host: '*', operation: 'READ', permission: 'ALLOW' };
    const disabled = /security/i;
    assertError(await call(acls), 400, 40002, disabled);
    assertError(await post(acls, acl), 400, 40002, disabled);
    assertError(await post(`${acls}:batch`, { data: [acl] }), 400, 40002, disabled);
    assertError(await del(`${acls}?resource_type=ANY&pattern_type=ANY&operation=ANY&permission=ANY`), 400, 40002, disabled);
  });
});
