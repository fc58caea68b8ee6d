/**
 * The SSL/ACL mode's broker properties and start-up checks: an SSL listener requiring client
 * certificates, principals by subject DN with the broker's own among the super users, stores that
 * do not open refused before the broker runs, and server.properties keeping a DN's backslashes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkBrokerSsl, sslProperties, type BrokerSsl } from '../../src/broker/broker-tls.ts';
import { LocalBroker } from '../../src/broker/local-broker.ts';
import { serverProperties } from '../../src/broker/server-properties.ts';
import { StartupError } from '../../src/startup-error.ts';
import { mergeKeystores } from '../helpers/multi-keystore.ts';
import { STORE_PASSWORD, tlsFixture, type TlsFixture } from '../helpers/tls.ts';

let tls: TlsFixture;
let ssl: BrokerSsl;

before(() => {
  tls = tlsFixture();
  ssl = { keystore: tls.server.p12, keystorePassword: STORE_PASSWORD, truststore: tls.truststore.p12, truststorePassword: STORE_PASSWORD, superUsers: ['O=Kafka REST tests,CN=admin'] };
});

after(() => tls?.remove());

describe('checkBrokerSsl', () => {
  test("gives the broker's subject, RFC 2253, and its keystore to present as a client", () => {
    const identity = checkBrokerSsl(ssl);
    assert.equal(identity.subject, 'O=Kafka REST tests,CN=localhost');
    assert.equal(identity.passphrase, STORE_PASSWORD);
    assert.ok(identity.pfx.length > 0);
  });

  const refused = (overrides: Partial<BrokerSsl>): string => {
    try {
      checkBrokerSsl({ ...ssl, ...overrides });
    } catch (error) {
      assert.ok(error instanceof StartupError, String(error));
      return error.message;
    }
    assert.fail('expected a StartupError');
  };

  test('a keystore that is missing, or does not open with its password', () => {
    assert.match(refused({ keystore: join(tls.dir, 'nope.p12') }), /the broker's SSL keystore: cannot read the keystore .*nope\.p12 \(no such file\)/);
    const message = refused({ keystorePassword: 'wrong-pw-71c' });
    assert.match(message, /wrong password/);
    assert.doesNotMatch(message, /wrong-pw-71c/);
  });

  test('a keystore of two identities: which is the broker would be a guess', () => {
    const two = mergeKeystores([{ p12: tls.client('one').p12, alias: 'one' }, { p12: tls.client('two').p12, alias: 'two' }], join(tls.dir, 'two-identities.p12'));
    assert.match(refused({ keystore: two }), /must hold exactly one key entry, its own \(it holds 2\)/);
  });

  test('a missing truststore', () => {
    assert.match(refused({ truststore: join(tls.dir, 'no-trust.p12') }), /cannot read the broker's SSL truststore .*no-trust\.p12/);
  });

  test("super users Kafka's super.users could not hold, or given as principals", () => {
    assert.match(refused({ superUsers: ['CN=a;b'] }), /without ';'/);
    assert.match(refused({ superUsers: [''] }), /non-empty/);
    assert.match(refused({ superUsers: ['User:CN=admin'] }), /the broker adds the "User:" prefix/);
  });
});

describe('sslProperties', () => {
  const properties = () => sslProperties(ssl, checkBrokerSsl(ssl), 9092, 9093);

  test('the client listener is SSL and requires a certificate; the controller stays PLAINTEXT', () => {
    const p = properties();
    assert.equal(p.listeners, 'SSL://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
    assert.equal(p['advertised.listeners'], 'SSL://127.0.0.1:9092');
    assert.equal(p['listener.security.protocol.map'], 'SSL:SSL,CONTROLLER:PLAINTEXT');
    assert.equal(p['inter.broker.listener.name'], 'SSL');
    assert.equal(p['ssl.client.auth'], 'required');
    assert.deepEqual([p['ssl.keystore.type'], p['ssl.keystore.location'], p['ssl.keystore.password'], p['ssl.key.password']], ['PKCS12', tls.server.p12, STORE_PASSWORD, STORE_PASSWORD]);
    assert.deepEqual([p['ssl.truststore.type'], p['ssl.truststore.location'], p['ssl.truststore.password']], ['PKCS12', tls.truststore.p12, STORE_PASSWORD]);
  });

  test('StandardAuthorizer denies what no ACL allows; ANONYMOUS (the controller listener), the broker and the given DNs are super users', () => {
    const p = properties();
    assert.equal(p['authorizer.class.name'], 'org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    assert.equal(p['allow.everyone.if.no.acl.found'], 'false');
    assert.equal(p['super.users'], 'User:ANONYMOUS;User:O=Kafka REST tests,CN=localhost;User:O=Kafka REST tests,CN=admin');
  });
});

describe('serverProperties', () => {
  test('a value keeps its backslashes as java.util.Properties reads them back', () => {
    const text = serverProperties({ dir: '/tmp/b', port: 1, controllerPort: 2 }, {}, { 'super.users': 'User:CN=Smith\\, Alice', 'x.y': ' leading' });
    assert.match(text, /^super\.users=User:CN=Smith\\\\, Alice$/m);
    assert.match(text, /^x\.y=\\ leading$/m);
  });

  test('the security properties replace the PLAINTEXT listener, and the caller has the last word', () => {
    const text = serverProperties({ dir: '/tmp/b', port: 1, controllerPort: 2 }, { properties: { 'num.io.threads': '1' } }, { listeners: 'SSL://127.0.0.1:1' });
    assert.match(text, /^listeners=SSL:\/\/127\.0\.0\.1:1$/m);
    assert.match(text, /^num\.io\.threads=1$/m);
    assert.doesNotMatch(text, /^num\.io\.threads=4$/m);
  });
});

test('the local broker refuses the SASL and SSL modes together, before touching its directory', async () => {
  await assert.rejects(LocalBroker.start({ dir: join(tls.dir, 'never'), sasl: { users: { alice: 'pw' } }, ssl }), (error: unknown) => {
    assert.ok(error instanceof StartupError);
    assert.match(error.message, /either the SASL mode or the SSL mode, not both/);
    return true;
  });
});
