/**
 * A client keystore's identities for SSL principal propagation: one per key entry, keyed by the
 * subject DN in the RFC 2253 form the proxy names certificate principals with (and Java, hence
 * Kafka, names them with), each with a key that fits its certificate and the chain the store
 * holds; and a one-sentence error naming the file for each store that cannot serve.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { javaPath } from '../../src/broker/java.ts';
import { certificateSubject, subjectToRfc2253 } from '../../src/http/auth/certificate.ts';
import { readKeystoreIdentities } from '../../src/principals/keystore-identities.ts';
import { keyAliases, mergeKeystores } from '../helpers/multi-keystore.ts';
import { createCa, httpsCall, issueCertificate, STORE_PASSWORD, tlsFixture, type IssuedCertificate, type TlsFixture } from '../helpers/tls.ts';

const ALICE = 'O=Kafka REST tests,CN=alice';
const BOB = 'O=Kafka REST tests,CN=bob';
// openssl -subj takes ',' literally and '\+' as a literal '+'; RFC 2253 escapes both.
const SMITH = 'O=Kafka REST tests,CN=Smith\\, Alice';
const PLUS = 'O=Kafka REST tests,CN=Bob\\+Co';

const pemBlocks = (pem: string) => pem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;

describe('readKeystoreIdentities', () => {
  let tls: TlsFixture;
  const issued: Record<string, IssuedCertificate> = {};
  let store: string;

  before(() => {
    tls = tlsFixture();
    issued.alice = tls.client('alice');
    issued.bob = tls.client('bob');
    issued.smith = issueCertificate(tls.ca, tls.dir, 'Smith, Alice', { file: 'smith' });
    issued.plus = issueCertificate(tls.ca, tls.dir, 'Bob\\+Co', { file: 'plus' });
    store = mergeKeystores(
      [
        { p12: issued.alice.p12, alias: 'alice' },
        { p12: issued.bob.p12, alias: 'bob' },
        { p12: issued.smith.p12, alias: 'Smith, Alice', as: 'smith' },
        { p12: issued.plus.p12, alias: 'Bob\\+Co', as: 'plus' },
      ],
      join(tls.dir, 'clients.p12'),
    );
  });

  after(() => tls?.remove());

  test('a keytool store with four key entries gives four identities, keyed by subject DN', () => {
    assert.deepEqual(keyAliases(store), ['alice', 'bob', 'plus', 'smith']);
    const identities = readKeystoreIdentities(store, STORE_PASSWORD);
    assert.deepEqual([...identities.keys()].sort(), [ALICE, PLUS, SMITH, BOB].sort());
  });

  test("each identity's key fits its certificate, which comes first, then the CA", () => {
    const identities = readKeystoreIdentities(store, STORE_PASSWORD);
    for (const [subject, { key, cert }] of identities) {
      const leaf = new X509Certificate(cert);
      assert.equal(leaf.checkPrivateKey(createPrivateKey(key)), true, subject);
      assert.equal(pemBlocks(cert), 2, `${subject}: the certificate and the CA`);
      assert.equal(cert.slice(cert.indexOf('-----BEGIN', 1)), new X509Certificate(readFileSync(tls.ca.cert)).toString());
      assert.match(key, /^-----BEGIN PRIVATE KEY-----\n/, 'unencrypted PKCS#8');
    }
    assert.equal(new X509Certificate(identities.get(ALICE)!.cert).fingerprint256, new X509Certificate(readFileSync(issued.alice!.cert)).fingerprint256);
  });

  test('an openssl store of one entry gives that entry', () => {
    const identities = readKeystoreIdentities(issued.bob!.p12, STORE_PASSWORD);
    assert.deepEqual([...identities.keys()], [BOB]);
  });

  test('an EC key, which node-forge cannot decode itself, is read like an RSA one', () => {
    const [key, cert, p12] = ['ec-key.pem', 'ec.pem', 'ec.p12'].map((file) => join(tls.dir, file)) as [string, string, string];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=carol/O=EC'], { stdio: 'pipe' });
    execFileSync('openssl', ['pkcs12', '-export', '-in', cert, '-inkey', key, '-name', 'carol', '-out', p12, '-passout', `pass:${STORE_PASSWORD}`], { stdio: 'pipe' });
    const identities = readKeystoreIdentities(p12, STORE_PASSWORD);
    const carol = identities.get('O=EC,CN=carol');
    assert.ok(carol, [...identities.keys()].join(' | '));
    assert.equal(createPrivateKey(carol.key).asymmetricKeyType, 'ec');
    assert.equal(pemBlocks(carol.cert), 1, 'self-signed: the chain is the certificate alone');
  });

  test('the keys are the DNs the proxy names these certificates by over mTLS', async () => {
    const identities = readKeystoreIdentities(store, STORE_PASSWORD);
    const seen: (string | null)[] = [];
    const server: Server = createServer(
      { cert: readFileSync(tls.server.cert), key: readFileSync(tls.server.key), ca: readFileSync(tls.ca.cert), requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        seen.push(certificateSubject(req));
        res.end('{}');
      },
    );
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const { port } = server.address() as AddressInfo;
      for (const [subject, { key, cert }] of identities) {
        const files = { key: join(tls.dir, 'presented-key.pem'), cert: join(tls.dir, 'presented.pem') };
        writeFileSync(files.key, key);
        writeFileSync(files.cert, cert);
        await httpsCall(`https://127.0.0.1:${port}/`, { ca: tls.ca.cert, ...files });
        assert.equal(seen.at(-1), subject);
      }
      assert.equal(seen.length, identities.size);
    } finally {
      await new Promise((closed) => server.close(closed));
    }
  });
});

/** What Java's X500Principal.getName() — Kafka's default SSL principal — says of each PEM certificate. */
function javaSubjects(dir: string, certificates: string[]): string[] {
  const source = join(dir, 'Subjects.java');
  writeFileSync(source, `import java.io.FileInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
public class Subjects {
  public static void main(String[] args) throws Exception {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    for (String path : args) {
      try (FileInputStream in = new FileInputStream(path)) {
        System.out.println(((X509Certificate) factory.generateCertificate(in)).getSubjectX500Principal().getName());
      }
    }
  }
}
`);
  return execFileSync(javaPath(), [source, ...certificates], { encoding: 'utf8' }).trimEnd().split('\n');
}

/** A self-signed certificate with the subject given in openssl's -subj syntax; returns its PEM path. */
function selfSigned(dir: string, file: string, subject: string): string {
  const cert = join(dir, `${file}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, `${file}-key.pem`), '-out', cert, '-days', '1', '-subj', subject], { stdio: 'pipe' });
  return cert;
}

describe("the DNs agree with Java's, hence with Kafka's User: principals", () => {
  let tls: TlsFixture;
  before(() => {
    tls = tlsFixture();
  });
  after(() => tls?.remove());

  const agreement = (subjects: string[]) => {
    const certificates = subjects.map((subject, i) => selfSigned(tls.dir, `dn-${i}`, subject));
    const ours = certificates.map((cert) => subjectToRfc2253(new X509Certificate(readFileSync(cert)).subject));
    assert.deepEqual(ours, javaSubjects(tls.dir, certificates));
  };

  test('order, and the escaping of , + ; " \\ < >', () => {
    agreement(['/CN=alice/O=Kafka REST tests', '/C=US/O=Example/OU=eng/CN=bob', '/CN=Smith, Alice/O=A\\+B/OU=x;y', '/CN=say "hi" <now>/O=back\\\\slash']);
  });

  test("an '=' in a value, escaped as Java does", () => {
    agreement(['/CN=a=b']);
  });

  test('a multi-valued RDN, joined by + as Java does', () => {
    agreement(['/CN=alice+UID=42/O=Example']);
  });

  test('an attribute RFC 2253 has no keyword for', { todo: 'Java writes emailAddress as 1.2.840.113549.1.9.1=#<DER hex>; Node by its name' }, () => {
    agreement(['/CN=alice/emailAddress=alice@example.com']);
  });
});

describe('readKeystoreIdentities refuses, naming the file and never the password', () => {
  let tls: TlsFixture;
  before(() => {
    tls = tlsFixture();
  });
  after(() => tls?.remove());

  const refusal = (path: string, password: string): string => {
    try {
      readKeystoreIdentities(path, password);
    } catch (error) {
      assert.ok(error instanceof Error);
      assert.ok(error.message.includes(path), `names the file: ${error.message}`);
      if (password !== '') assert.ok(!error.message.includes(password), `never the password: ${error.message}`);
      assert.doesNotMatch(error.message, /\n/, 'one sentence');
      return error.message;
    }
    assert.fail('expected a refusal');
  };

  test('a missing file', () => {
    assert.match(refusal(join(tls.dir, 'nope.p12'), STORE_PASSWORD), /cannot read the keystore .*nope\.p12 \(no such file\)/);
  });

  test('a directory', () => {
    assert.match(refusal(tls.dir, STORE_PASSWORD), /cannot read the keystore .* \(a directory\)/);
  });

  test('a wrong password', () => {
    const p12 = tls.client('alice').p12;
    assert.match(refusal(p12, 'not-changeit-9f3a'), /wrong password/);
  });

  test('a PEM file, not a PKCS12 one', () => {
    assert.match(refusal(tls.client('dora').pem, STORE_PASSWORD), /is not a PKCS12 file/);
  });

  test('a truststore: certificates only, no key entry', () => {
    assert.match(refusal(tls.truststore.p12, STORE_PASSWORD), /holds no private-key entry/);
  });

  test('two entries for one subject: which one a principal uses would be a guess', () => {
    const first = issueCertificate(tls.ca, tls.dir, 'erin', { file: 'erin-1' });
    const second = issueCertificate(tls.ca, tls.dir, 'erin', { file: 'erin-2' });
    const store = mergeKeystores([{ p12: first.p12, alias: 'erin', as: 'erin-1' }, { p12: second.p12, alias: 'erin', as: 'erin-2' }], join(tls.dir, 'twice.p12'));
    assert.match(refusal(store, STORE_PASSWORD), /holds two entries for O=Kafka REST tests,CN=erin/);
  });

  test('a certificate from another CA is still an identity: the broker, not the keystore, decides trust', () => {
    const other = issueCertificate(createCa(tls.dir, 'Other CA'), tls.dir, 'frank');
    assert.deepEqual([...readKeystoreIdentities(other.p12, STORE_PASSWORD).keys()], ['O=Kafka REST tests,CN=frank']);
  });
});
