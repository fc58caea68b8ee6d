/**
 * Confluent's own API v3 examples, run as the real curl command lines against the proxy.
 *
 * Where they come from:
 * - the curl commands and their printed answers: the "Quickstart (v3 API)" of Confluent's
 *   kafka-rest README, https://github.com/confluentinc/kafka-rest (list clusters, list topics,
 *   create a topic, produce one JSON record, produce concatenated records);
 * - the answers of the other areas (topic configs, partitions, consumer groups and lags, ACLs):
 *   the example responses of Confluent's API v3 reference (kafka-rest `api/v3/openapi.yaml`,
 *   rendered at https://docs.confluent.io/cloud/current/ccloud/cluster-v-3/), and the ACL body is
 *   that reference's create-ACL request example (https://docs.confluent.io/cloud/current/ccloud/create-kafka-acls/).
 *   Confluent prints no curl line for these, so they are written in the README's style.
 *
 * Each command is run by `sh -c` exactly as printed, except for the address (`localhost:8082`),
 * the cluster id and the topic or group names (made unique per run). curl's own settings come from
 * a `.curlrc` of the test's (quiet, and the status on a last line) so the command lines stay as printed.
 * An answer matches a documented one when it has the same keys with the same JSON kinds, nested;
 * the few keys the proxy adds (which Confluent's server sends too) are named per example.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nativeKafka, uniqueTopic } from '../helpers/cluster.ts';
import { startAclBroker, type OwnBroker } from '../helpers/own-broker.ts';
import { startTestProxy, type TestProxy } from '../helpers/proxy.ts';
import { DOC_CLUSTER, DOC_ORIGIN, README, REFERENCE, TOPIC_EXTRA } from '../helpers/confluent-v3-examples.ts';


interface CurlAnswer {
  status: number;
  text: string;
  json: any; // JSON from the wire, checked against the documented shape
}

let curlHome: string;

/** Runs one printed command line through the shell, with `from → to` substitutions only. */
async function runExample(printed: string, substitutions: Record<string, string>): Promise<CurlAnswer> {
  let command = printed.trim().replace(/^\$ /, '');
  for (const [from, to] of Object.entries(substitutions)) command = command.split(from).join(to);
  const child = spawn('sh', ['-c', command], { env: { ...process.env, CURL_HOME: curlHome }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 0, `curl failed (${code}): ${err}\n${command}`);
  const cut = out.lastIndexOf('\n');
  const text = out.slice(0, cut);
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined; // concatenated JSON: the caller splits it
  }
  return { status: Number(out.slice(cut + 1)), text, json };
}

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Same keys and JSON kinds as the documented answer, all the way down; `extra` lists keys the proxy may add. */
function assertShape(actual: unknown, documented: unknown, extra: readonly string[] = [], path = '$'): void {
  assert.equal(kind(actual), kind(documented), `${path}: ${JSON.stringify(actual)}`);
  if (Array.isArray(documented) && Array.isArray(actual)) {
    if (documented.length > 0) for (const [i, item] of actual.entries()) assertShape(item, documented[0], extra, `${path}[${i}]`);
    return;
  }
  if (kind(documented) !== 'object') return;
  const doc = documented as Record<string, unknown>;
  const act = actual as Record<string, unknown>;
  const missing = Object.keys(doc).filter((k) => !(k in act));
  const added = Object.keys(act).filter((k) => !(k in doc) && !extra.includes(k));
  assert.deepEqual({ missing, added }, { missing: [], added: [] }, `${path}: ${JSON.stringify(actual)}`);
  for (const key of Object.keys(doc)) assertShape(act[key], doc[key], extra, `${path}.${key}`);
}

/** Concatenated JSON objects (the streaming produce answer), one per record. */
function concatenated(text: string): any[] {
  return text.split(/(?<=\})\s*(?=\{)/).map((part) => JSON.parse(part));
}

before(() => {
  curlHome = mkdtempSync(join(tmpdir(), 'kafka-rest-curlrc-'));
  writeFileSync(join(curlHome, '.curlrc'), 'silent\nshow-error\nwrite-out = "\\n%{http_code}"\n');
});
after(() => rmSync(curlHome, { recursive: true, force: true }));

describe("Confluent's v3 quickstart and reference examples, by curl", () => {
  let proxy: TestProxy;
  let clusterId: string;
  const topic = uniqueTopic('jsontest');
  const group = uniqueTopic('consumer-group-1');
  let subs: Record<string, string>;
  let base: string; // <proxy>/v3/clusters/<id>

  before(async () => {
    proxy = await startTestProxy();
    const admin = nativeKafka().admin();
    await admin.connect();
    clusterId = (await admin.describeCluster()).clusterId;
    await admin.disconnect();
    // The topic name is replaced inside URLs and bodies alike, consistently.
    subs = { [DOC_ORIGIN]: proxy.url, [DOC_CLUSTER]: clusterId, jsontest: topic };
    base = `${proxy.url}/v3/clusters/${clusterId}`;
  });
  after(() => proxy?.close());

  test('Get the local cluster information', async () => {
    const answer = await runExample('$ curl http://localhost:8082/v3/clusters', subs);
    assert.equal(answer.status, 200, answer.text);
    assertShape(answer.json, README.clusters);
    assert.equal(answer.json.data.length, 1);
    assert.equal(answer.json.data[0].cluster_id, clusterId);
    assert.equal(answer.json.data[0].metadata.self, base);
    assert.equal(answer.json.data[0].topics.related, `${base}/topics`);
  });

  test('Create a topic', async () => {
    const answer = await runExample(
      `$ curl -X POST -H "Content-Type:application/json" -d '{"topic_name":"jsontest"}' \\
       http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/topics`,
      subs,
    );
    assert.equal(answer.status, 201, answer.text);
    assertShape(answer.json, README.topic, TOPIC_EXTRA);
    assert.equal(answer.json.topic_name, topic);
    assert.equal(answer.json.metadata.self, `${base}/topics/${topic}`);
    assert.equal(answer.json.metadata.resource_name, `crn:///kafka=${clusterId}/topic=${topic}`);
  });

  test('Get a list of topics', async () => {
    const answer = await runExample('$ curl http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/topics', subs);
    assert.equal(answer.status, 200, answer.text);
    assertShape(answer.json, README.topics, TOPIC_EXTRA);
    assert.ok(answer.json.data.some((t: any) => t.topic_name === topic), answer.text);
  });

  test('Produce records with JSON data', async () => {
    const answer = await runExample(
      `$ curl -X POST -H "Content-Type: application/json" \\
       -d '{"value":{"type":"JSON","data":{"name":"testUser"}}}' \\
       http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/topics/jsontest/records`,
      subs,
    );
    assert.equal(answer.status, 200, answer.text);
    assertShape(answer.json, README.produced(19));
    assert.deepEqual([answer.json.error_code, answer.json.topic_name, answer.json.value], [200, topic, { type: 'JSON', size: 19 }]);
  });

  test('Produce concatenated records: one delivery report each, in order', async () => {
    const answer = await runExample(
      `$ curl -X POST -H "Content-Type: application/json" \\
       -d '{"value":{"type":"JSON","data":"ONE"}} {"value":{"type":"JSON","data":"TWO"}}' \\
       http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/topics/jsontest/records`,
      subs,
    );
    assert.equal(answer.status, 200, answer.text);
    const reports = concatenated(answer.text);
    assert.equal(reports.length, 2, answer.text);
    for (const report of reports) {
      assertShape(report, README.produced(5));
      assert.deepEqual([report.error_code, report.value], [200, { type: 'JSON', size: 5 }]);
    }
    // Three records in all on the topic, each at its own (partition, offset).
    const admin = nativeKafka().admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    assert.equal(offsets.reduce((n, p) => n + Number(p.high), 0), 3);
  });

  test('List partitions (reference: ListPartitionsResponse)', async () => {
    const answer = await runExample('$ curl http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/topics/jsontest/partitions', subs);
    assert.equal(answer.status, 200, answer.text);
    assertShape(answer.json, REFERENCE.partitions);
    assert.deepEqual(answer.json.data.map((p: any) => p.partition_id), [0, 1, 2]); // the suite broker's num.partitions
  });

  test('Update and get a topic config (reference: GetTopicConfigResponse)', async () => {
    const put = await runExample(
      `$ curl -X PUT -H "Content-Type: application/json" -d '{"value":"compact"}' \\
       http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/topics/jsontest/configs/cleanup.policy`,
      subs,
    );
    assert.deepEqual([put.status, put.text], [204, '']);
    const answer = await runExample('$ curl http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/topics/jsontest/configs/cleanup.policy', subs);
    assert.equal(answer.status, 200, answer.text);
    assertShape(answer.json, REFERENCE.topicConfig);
    assert.deepEqual([answer.json.value, answer.json.source, answer.json.is_default], ['compact', 'DYNAMIC_TOPIC_CONFIG', false]);
    const list = await runExample('$ curl http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/topics/jsontest/configs', subs);
    assert.equal(list.status, 200, list.text);
    assertShape(list.json, { kind: 'KafkaTopicConfigList', metadata: { self: '', next: null }, data: [REFERENCE.topicConfig] });
  });

  test('Consumer group, lag and lag summary (reference: GetConsumerGroupResponse, GetConsumerLagResponse, GetConsumerGroupLagSummaryResponse)', async () => {
    // A group that committed offset 0 on partition 0 and has no members.
    const admin = nativeKafka().admin();
    await admin.connect();
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '0' }] });
    await admin.disconnect();
    const groupSubs = { ...subs, 'consumer-group-1': group };
    const answer = await runExample('$ curl http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/consumer-groups/consumer-group-1', groupSubs);
    assert.equal(answer.status, 200, answer.text);
    // Confluent's server answers these two as well (newer than the reference's example).
    assertShape(answer.json, REFERENCE.group, ['type', 'is_mixed_consumer_group']);
    assert.equal(answer.json.consumer_group_id, group);
    const lag = await runExample('$ curl http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/consumer-groups/consumer-group-1/lags/jsontest/partitions/0', groupSubs);
    assert.equal(lag.status, 200, lag.text);
    // No member owns the partition, so consumer_id and client_id are "" and instance_id null.
    assertShape(lag.json, { ...REFERENCE.lag, instance_id: null });
    assert.equal(lag.json.lag, lag.json.log_end_offset - lag.json.current_offset);
    const summary = await runExample('$ curl http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/consumer-groups/consumer-group-1/lag-summary', groupSubs);
    assert.equal(summary.status, 200, summary.text);
    assertShape(summary.json, { ...REFERENCE.lagSummary, max_lag_instance_id: null });
    assert.deepEqual([summary.json.max_lag_topic_name, summary.json.max_lag_partition_id, summary.json.max_lag], [topic, 0, lag.json.lag]);
  });

  test('Delete the topic (reference: 204 No Content)', async () => {
    const answer = await runExample('$ curl -X DELETE http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/topics/jsontest', subs);
    assert.deepEqual([answer.status, answer.text], [204, '']);
    const gone = await runExample('$ curl http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/topics/jsontest', subs);
    assert.equal(gone.status, 404, gone.text);
    assert.equal(gone.json.error_code, 40403); // the reference's unknown_topic_or_partition
  });
});

describe("Confluent's v3 ACL reference examples, by curl, on a broker with an authorizer", () => {
  let own: OwnBroker;
  let proxy: TestProxy;
  let subs: Record<string, string>;
  // The reference's create-ACL request example, as printed.
  const ACL = '{"resource_type":"CLUSTER","resource_name":"kafka-cluster","pattern_type":"LITERAL","principal":"principalType:principalName","host":"*","operation":"DESCRIBE","permission":"DENY"}';
  const FILTER = 'resource_type=CLUSTER&resource_name=kafka-cluster&pattern_type=LITERAL&principal=principalType:principalName&host=*&operation=DESCRIBE&permission=DENY';

  before(async () => {
    own = await startAclBroker('doc-acls');
    proxy = await startTestProxy({ 'bootstrap.servers': own.broker.bootstrapServers });
    const admin = nativeKafka(own.broker.bootstrapServers).admin();
    await admin.connect();
    subs = { [DOC_ORIGIN]: proxy.url, [DOC_CLUSTER]: (await admin.describeCluster()).clusterId };
    await admin.disconnect();
  });
  after(async () => {
    await proxy?.close();
    await own?.remove();
  });

  test('create, search and delete the documented ACL', async () => {
    const created = await runExample(
      `$ curl -X POST -H "Content-Type: application/json" -d '${ACL}' \\
       http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/acls`,
      subs,
    );
    assert.deepEqual([created.status, created.text], [201, '']); // the reference: 201, no content
    const found = await runExample(`$ curl "http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/acls?principal=principalType:principalName"`, subs);
    assert.equal(found.status, 200, found.text);
    // The reference's list example shows metadata.self only; the proxy adds next: null as its other lists do.
    assertShape(found.json, REFERENCE.acls, ['next']);
    assert.deepEqual(
      found.json.data.map((a: any) => [a.resource_type, a.resource_name, a.pattern_type, a.principal, a.host, a.operation, a.permission]),
      [['CLUSTER', 'kafka-cluster', 'LITERAL', 'principalType:principalName', '*', 'DESCRIBE', 'DENY']],
    );
    const deleted = await runExample(`$ curl -X DELETE "http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/acls?${FILTER}"`, subs);
    assert.equal(deleted.status, 200, deleted.text);
    assertShape(deleted.json, { data: REFERENCE.acls.data });
    assert.equal(deleted.json.data.length, 1);
    const left = await runExample(`$ curl "http://localhost:8082/v3/clusters/xFhUvurESIeeCI87SXWR-Q/acls?principal=principalType:principalName"`, subs);
    assert.deepEqual(left.json.data, []);
  });
});
