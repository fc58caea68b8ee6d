/**
 * The SASL/ACL mode's broker properties and storage-format arguments: which users each
 * mechanism accepts, who is a super user, and the names and passwords refused because they could
 * not be written into a JAAS value or a `--add-scram` argument intact.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BROKER_USER, brokerCredentials, checkBrokerSasl, saslProperties, scramFormatArguments, type BrokerSasl } from '../../src/broker/broker-security.ts';
import { StartupError } from '../../src/startup-error.ts';

const broker = { mechanism: 'PLAIN', username: BROKER_USER, password: 'broker-pw' } as const;

describe('saslProperties', () => {
  const properties = saslProperties({ users: { alice: 'alice-pw', bob: 'bob-pw' }, superUsers: ['bob'] }, broker, 9092, 9093);

  test('the client listener is SASL_PLAINTEXT with PLAIN and SCRAM-SHA-512; the controller stays PLAINTEXT', () => {
    assert.equal(properties.listeners, 'SASL_PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
    assert.equal(properties['advertised.listeners'], 'SASL_PLAINTEXT://127.0.0.1:9092');
    assert.equal(properties['listener.security.protocol.map'], 'SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT');
    assert.equal(properties['sasl.enabled.mechanisms'], 'PLAIN,SCRAM-SHA-512');
    assert.equal(properties['inter.broker.listener.name'], 'SASL_PLAINTEXT');
    assert.equal(properties['sasl.mechanism.inter.broker.protocol'], 'PLAIN');
  });

  test('PLAIN accepts every user and the broker, which logs in to itself as its own user', () => {
    assert.equal(
      properties['listener.name.sasl_plaintext.plain.sasl.jaas.config'],
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="broker-pw" user_alice="alice-pw" user_bob="bob-pw" user_admin="broker-pw";',
    );
    assert.equal(properties['listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config'], 'org.apache.kafka.common.security.scram.ScramLoginModule required;');
  });

  test('StandardAuthorizer denies what no ACL allows; super users are the controller listener, the broker and the named users', () => {
    assert.equal(properties['authorizer.class.name'], 'org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    assert.equal(properties['allow.everyone.if.no.acl.found'], 'false');
    assert.equal(properties['super.users'], 'User:ANONYMOUS;User:admin;User:bob');
  });

  test('without named super users only the node itself is one', () => {
    assert.equal(saslProperties({ users: { alice: 'pw' } }, broker, 1, 2)['super.users'], 'User:ANONYMOUS;User:admin');
  });
});

test('scramFormatArguments adds one SCRAM-SHA-512 credential per user', () => {
  assert.deepEqual(scramFormatArguments({ users: { alice: 'alice-pw', bob: 'b=ob!' } }), [
    '--add-scram',
    'SCRAM-SHA-512=[name=alice,password=alice-pw]',
    '--add-scram',
    'SCRAM-SHA-512=[name=bob,password=b=ob!]',
  ]);
});

test("brokerCredentials are PLAIN for the broker's own user, with a fresh password each time", () => {
  const [first, second] = [brokerCredentials(), brokerCredentials()];
  assert.equal(first.mechanism, 'PLAIN');
  assert.equal(first.username, BROKER_USER);
  assert.notEqual(first.password, second.password);
  assert.doesNotThrow(() => checkBrokerSasl({ users: { probe: first.password } }), 'a generated password is itself acceptable');
});

describe('checkBrokerSasl', () => {
  test('accepts plain names and printable passwords', () => {
    assert.doesNotThrow(() => checkBrokerSasl({ users: { 'alice.smith@example-1_x': "p@ss=w0rd!#$%&'()*+-./:;<>?[]^_`{|}~" }, superUsers: ['alice.smith@example-1_x'] }));
  });

  const refused: [string, BrokerSasl, RegExp][] = [
    ['no users', { users: {} }, /at least one user/],
    ['a space in a name', { users: { 'al ice': 'pw' } }, /user name "al ice"/],
    ['a quote in a name', { users: { 'al"ice': 'pw' } }, /user name/],
    ["the broker's own name", { users: { [BROKER_USER]: 'pw' } }, /broker's own user/],
    ['an empty password', { users: { alice: '' } }, /password of SASL user "alice"/],
    ['a comma in a password (splits --add-scram)', { users: { alice: 'a,b' } }, /password of SASL user "alice"/],
    ['a double quote in a password (ends the JAAS value)', { users: { alice: 'a"b' } }, /password of SASL user "alice"/],
    ['a backslash in a password', { users: { alice: 'a\\b' } }, /password of SASL user "alice"/],
    ['a space in a password', { users: { alice: 'a b' } }, /password of SASL user "alice"/],
    ['a non-ASCII password', { users: { alice: 'pässword' } }, /password of SASL user "alice"/],
    ['a super user who is not a user', { users: { alice: 'pw' }, superUsers: ['bob'] }, /super user "bob" is not one of the SASL users/],
  ];
  for (const [why, sasl, message] of refused) {
    test(`refuses ${why}`, () => {
      assert.throws(() => checkBrokerSasl(sasl), (error: unknown) => error instanceof StartupError && message.test(error.message));
    });
  }
});
