/**
 * An SSL/ACL broker of a test's own (LocalBroker's `ssl` mode): an SSL listener requiring client
 * certificates from one test CA, StandardAuthorizer with no ACL allowing anything at first, and
 * principals `User:<subject DN>`. Every named client gets a certificate (subject `/CN=<name>/O=
 * Kafka REST tests`, which RFC 2253 writes `O=Kafka REST tests,CN=<name>`), and `admin` one more,
 * a super user: `allow`/`deny`/`createTopic` go through it.
 * `keystore` is one PKCS12 file holding every named client's key and certificate, one entry each:
 * what the proxy is given as client.ssl.keystore.location for SSL principal propagation.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import kafkajs, { type KafkaConfig } from 'kafkajs';
import type { LocalBroker } from '../../src/broker/local-broker.ts';
import { subjectToRfc2253 } from '../../src/http/auth/certificate.ts';
import { aclActions, aclAdmin, type AclOperation, type AclResource } from './acl-admin.ts';
import { mergeKeystores } from './multi-keystore.ts';
import { startOwnBroker, type OwnBroker } from './own-broker.ts';
import { certificateDir, createCa, createTruststore, issueCertificate, STORE_PASSWORD, type CertificateAuthority, type IssuedCertificate } from './tls.ts';

const { logLevel } = kafkajs;

/** The super user's name: its principal is `User:O=Kafka REST tests,CN=admin`. */
export const ADMIN = 'admin';

/** A client's files (PEM paths, and a PKCS12 with password STORE_PASSWORD) and its Kafka principal. */
export interface SslClient extends IssuedCertificate {
  /** Subject DN, RFC 2253: `O=Kafka REST tests,CN=alice`. */
  subject: string;
  /** What Kafka's ACLs name: `User:O=Kafka REST tests,CN=alice`. */
  principal: string;
}

export interface SslBroker extends OwnBroker {
  broker: LocalBroker;
  bootstrapServers: string;
  /** The CA that signed every certificate here (PEM file path), and its key. */
  ca: CertificateAuthority;
  /** Every named client and `admin`, by name. */
  clients: Record<string, SslClient>;
  /** One PKCS12 keystore with an entry per named client (alias = name; `admin` not included). */
  keystore: { path: string; password: string; aliases: string[] };
  /** A kafkajs config presenting `name`'s certificate (PEM contents), trusting the CA. */
  kafkaConfigFor(name: string): KafkaConfig;
  /** Grants `principal` (e.g. `clients.alice.principal`) the operations on the resource, from any host. */
  allow(principal: string, resource: AclResource, operations: AclOperation[]): Promise<void>;
  /** Denies them; a DENY wins over any ALLOW, a super user's excepted. */
  deny(principal: string, resource: AclResource, operations: AclOperation[]): Promise<void>;
  /** Creates a topic as `admin` and waits for its leaders. */
  createTopic(name: string, partitions?: number): Promise<string>;
}

/**
 * A certificate's subject as Kafka's principal builder and the proxy both name it. tls.ts's
 * certificates list CN first, so RFC 2253 (most specific last in the certificate, first in the
 * string) gives `O=Kafka REST tests,CN=<name>`.
 */
export const subjectOf = (certificatePem: string): string => subjectToRfc2253(new X509Certificate(readFileSync(certificatePem)).subject)!;

/** Starts the broker (one per test file: it takes several seconds) with certificates for `clients` and `admin`. */
export async function startSslBroker(name: string, clients: string[]): Promise<SslBroker> {
  if (clients.includes(ADMIN)) throw new Error(`"${ADMIN}" is the broker's super user: name the clients otherwise`);
  if (new Set(clients).size !== clients.length) throw new Error(`client names repeat: ${clients.join(', ')}`);
  const certificates = certificateDir();
  let own: OwnBroker;
  let ssl: SslMaterial;
  try {
    ssl = sslMaterial(certificates.dir, clients);
    own = await startOwnBroker(name, {
      autoCreateTopics: false,
      ssl: { keystore: ssl.brokerKeystore, keystorePassword: STORE_PASSWORD, truststore: ssl.truststore, truststorePassword: STORE_PASSWORD, superUsers: [ssl.clients[ADMIN]!.subject] },
    });
  } catch (error) {
    certificates.remove();
    throw error;
  }
  const { broker } = own;
  const kafkaConfigFor = (client: string): KafkaConfig => {
    const files = ssl.clients[client];
    if (!files) throw new Error(`no certificate for ${JSON.stringify(client)}: the broker was started with ${Object.keys(ssl.clients).join(', ')}`);
    return {
      brokers: [broker.bootstrapServers],
      clientId: `test-${client}`,
      logLevel: logLevel.NOTHING,
      ssl: { ca: [readFileSync(ssl.ca.cert, 'utf8')], cert: readFileSync(files.cert, 'utf8'), key: readFileSync(files.key, 'utf8') },
    };
  };
  const admin = aclAdmin(kafkaConfigFor(ADMIN));
  return {
    ...own,
    bootstrapServers: broker.bootstrapServers,
    ca: ssl.ca,
    clients: ssl.clients,
    keystore: { path: ssl.keystore, password: STORE_PASSWORD, aliases: [...clients] },
    kafkaConfigFor,
    ...aclActions(admin),
    remove: async () => {
      await admin.close();
      await own.remove();
      certificates.remove();
    },
  };
}

interface SslMaterial {
  ca: CertificateAuthority;
  brokerKeystore: string;
  truststore: string;
  clients: Record<string, SslClient>;
  keystore: string;
}

function sslMaterial(dir: string, names: string[]): SslMaterial {
  const ca = createCa(dir, 'Broker Test CA');
  const clients: Record<string, SslClient> = {};
  for (const name of [...names, ADMIN]) {
    const issued = issueCertificate(ca, dir, name, { file: `client-${name}` });
    clients[name] = { ...issued, subject: subjectOf(issued.cert), principal: `User:${subjectOf(issued.cert)}` };
  }
  const keystore = mergeKeystores(names.map((name) => ({ p12: clients[name]!.p12, alias: name })), join(dir, 'clients.p12'));
  return { ca, brokerKeystore: brokerKeystore(ca, dir), truststore: createTruststore(dir, [ca], 'broker-truststore').p12, clients, keystore };
}

/**
 * The broker's own certificate: server and client authentication both, since the broker is a
 * client of its own listener (tls.ts's server certificates allow serverAuth only, which Java's
 * trust manager refuses from a client).
 */
function brokerKeystore(ca: CertificateAuthority, dir: string): string {
  const [key, csr, cert, ext, p12] = ['broker-key.pem', 'broker.csr', 'broker.pem', 'broker.ext', 'broker.p12'].map((file) => join(dir, file)) as [string, string, string, string, string];
  writeFileSync(ext, 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=kafka-broker/O=Kafka REST tests'], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${Date.now().toString(16)}`, '-days', '30', '-extfile', ext, '-out', cert], dir);
  openssl(['pkcs12', '-export', '-in', cert, '-inkey', key, '-certfile', ca.cert, '-name', 'kafka-broker', '-out', p12, '-passout', `pass:${STORE_PASSWORD}`], dir);
  return p12;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
