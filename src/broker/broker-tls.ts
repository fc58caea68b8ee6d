/**
 * The local broker's SSL/ACL mode: an SSL client listener that requires a client certificate
 * signed by a CA of the truststore, Kafka's StandardAuthorizer denying whatever no ACL allows, and
 * principals as Kafka's default principal builder makes them: `User:` + the certificate's subject
 * DN in RFC 2253 form (`User:CN=alice,O=Example`). The broker's own certificate (its keystore)
 * is its client identity too — for its inter-broker traffic and the readiness probe — so its
 * subject is a super user, and it must allow TLS client authentication as well as server.
 */
import { readFileSync } from 'node:fs';
import { readKeystoreIdentities } from '../principals/keystore-identities.ts';
import { StartupError } from '../startup-error.ts';
import { securedListener } from './server-properties.ts';

/** The listener clients and the broker itself use when SSL is on (its name is also its protocol). */
export const SSL_LISTENER = 'SSL';

export interface BrokerSsl {
  /** PKCS12 keystore with the broker's key and certificate for 127.0.0.1 (the key has the store's password). */
  keystore: string;
  keystorePassword: string;
  /**
   * PKCS12 truststore with the CAs whose client certificates the broker accepts; it must hold the
   * CA of the broker's own certificate too, which the broker verifies when it connects to itself.
   */
  truststore: string;
  truststorePassword: string;
  /** Subject DNs (RFC 2253, e.g. `CN=admin,O=Example`) that bypass ACLs, besides the broker's own. */
  superUsers: string[];
}

/** What the broker presents when it is a client of its own listener. */
export interface SslClientIdentity {
  /** The broker's certificate subject, RFC 2253: its principal is `User:` + this. */
  subject: string;
  pfx: Buffer;
  passphrase: string;
}

/**
 * Checks the stores open with their passwords (Kafka's own message for a wrong one is a stack
 * trace in broker.log) and returns the broker's client identity, or a StartupError naming what
 * to fix.
 */
export function checkBrokerSsl(ssl: BrokerSsl): SslClientIdentity {
  let identities;
  try {
    identities = readKeystoreIdentities(ssl.keystore, ssl.keystorePassword);
  } catch (error) {
    throw new StartupError(`the broker's SSL keystore: ${(error as Error).message}`, { cause: error });
  }
  if (identities.size !== 1) {
    throw new StartupError(`the broker's SSL keystore ${ssl.keystore} must hold exactly one key entry, its own (it holds ${identities.size})`);
  }
  try {
    readFileSync(ssl.truststore);
  } catch (error) {
    throw new StartupError(`cannot read the broker's SSL truststore ${ssl.truststore}: ${(error as Error).message}`, { cause: error });
  }
  for (const dn of ssl.superUsers) {
    // super.users is split on ';' (an RFC 2253 DN escapes it as '\;', which Kafka would still split).
    if (dn === '' || dn.includes(';')) throw new StartupError(`super user ${JSON.stringify(dn)} must be a non-empty subject DN without ';'`);
    if (dn.startsWith('User:')) throw new StartupError(`super user ${JSON.stringify(dn)} must be a subject DN: the broker adds the "User:" prefix`);
  }
  const [subject] = [...identities.keys()] as [string];
  if (subject.includes(';')) throw new StartupError(`the broker's certificate subject ${subject} holds ';', which super.users cannot express`);
  return { subject, pfx: readFileSync(ssl.keystore), passphrase: ssl.keystorePassword };
}

/** The broker properties of the SSL/ACL mode, to merge over the PLAINTEXT ones. */
export function sslProperties(ssl: BrokerSsl, broker: SslClientIdentity, port: number, controllerPort: number): Record<string, string> {
  return {
    ...securedListener(SSL_LISTENER, 'SSL', port, controllerPort),
    'ssl.keystore.type': 'PKCS12',
    'ssl.keystore.location': ssl.keystore,
    'ssl.keystore.password': ssl.keystorePassword,
    'ssl.key.password': ssl.keystorePassword,
    'ssl.truststore.type': 'PKCS12',
    'ssl.truststore.location': ssl.truststore,
    'ssl.truststore.password': ssl.truststorePassword,
    'ssl.client.auth': 'required',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': 'false',
    // User:ANONYMOUS is this node on its PLAINTEXT controller listener (see saslProperties); on
    // the client listener nobody is ANONYMOUS, as every connection presents a certificate.
    'super.users': ['ANONYMOUS', broker.subject, ...ssl.superUsers].map((name) => `User:${name}`).join(';'),
  };
}
