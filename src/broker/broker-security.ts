/**
 * The local broker's SASL/ACL mode: a SASL_PLAINTEXT client listener offering PLAIN and
 * SCRAM-SHA-512 to a fixed set of users, Kafka's StandardAuthorizer denying whatever no ACL allows,
 * and a super user of the broker's own for inter-broker traffic, readiness probes and tests' admin
 * clients. This file holds the broker properties and the storage-format arguments for it.
 */
import { randomBytes } from 'node:crypto';
import { StartupError } from '../startup-error.ts';
import { securedListener } from './server-properties.ts';

/** The listener clients and the broker itself use when SASL is on (its name is also its protocol). */
export const SASL_LISTENER = 'SASL_PLAINTEXT';

export interface BrokerSasl {
  /** User name → password; each may log in with PLAIN and with SCRAM-SHA-512. */
  users: Record<string, string>;
  /** Names from `users` that bypass ACLs (Kafka's `super.users`), besides the broker's own user. */
  superUsers?: string[];
}

/** A SASL PLAIN login: what the broker's own super user is. */
export interface SaslPlainCredentials {
  mechanism: 'PLAIN';
  username: string;
  password: string;
}

/** The broker's own user, as Kafka's documentation names it; no entry of `users` may take it. */
export const BROKER_USER = 'admin';

// Both go into a JAAS value in double quotes and into `--add-scram` `[name=…,password=…]`, which
// splits on commas: names stay plain, passwords are printable ASCII without `"`, `\` or `,`.
const USER_NAME = /^[A-Za-z0-9._@-]+$/;
const PASSWORD = /^[!#-+\--[\]-~]+$/;

/** Refuses users the broker could not be configured with, naming the first bad one. */
export function checkBrokerSasl(sasl: BrokerSasl): void {
  const names = Object.keys(sasl.users);
  if (names.length === 0) throw new StartupError('the broker\'s SASL mode needs at least one user');
  for (const name of names) {
    if (!USER_NAME.test(name)) throw new StartupError(`SASL user name ${JSON.stringify(name)} may hold only letters, digits and . _ @ -`);
    if (name === BROKER_USER) throw new StartupError(`SASL user name ${JSON.stringify(name)} is the broker's own user: choose another name`);
    if (!PASSWORD.test(sasl.users[name]!)) {
      throw new StartupError(`the password of SASL user ${JSON.stringify(name)} must be printable ASCII without spaces, '"', '\\' or ','`);
    }
  }
  for (const name of sasl.superUsers ?? []) {
    if (!Object.hasOwn(sasl.users, name)) throw new StartupError(`super user ${JSON.stringify(name)} is not one of the SASL users`);
  }
}

/**
 * A fresh password for the broker's own user at each start: PLAIN users live in server.properties,
 * which every start rewrites, so nothing needs to remember it across restarts.
 */
export function brokerCredentials(): SaslPlainCredentials {
  return { mechanism: 'PLAIN', username: BROKER_USER, password: randomBytes(18).toString('base64url') };
}

/** The broker properties of the SASL/ACL mode, to merge over the PLAINTEXT ones. */
export function saslProperties(sasl: BrokerSasl, broker: SaslPlainCredentials, port: number, controllerPort: number): Record<string, string> {
  const plainUsers = Object.entries({ ...sasl.users, [broker.username]: broker.password })
    .map(([name, password]) => ` user_${name}="${password}"`)
    .join('');
  const prefix = `listener.name.${SASL_LISTENER.toLowerCase()}`;
  return {
    ...securedListener(SASL_LISTENER, 'SASL_PLAINTEXT', port, controllerPort),
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol': 'PLAIN',
    // username/password: how the broker logs in to itself; user_<name>: whom PLAIN accepts.
    [`${prefix}.plain.sasl.jaas.config`]: `org.apache.kafka.common.security.plain.PlainLoginModule required username="${broker.username}" password="${broker.password}"${plainUsers};`,
    // SCRAM checks the credentials stored in the cluster metadata (written at format time); the
    // listener still needs a login module for the mechanism or the broker refuses to start.
    [`${prefix}.scram-sha-512.sasl.jaas.config`]: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found': 'false',
    // User:ANONYMOUS is whoever speaks on the PLAINTEXT controller listener, and in combined mode
    // that is this node talking to itself: its ControllerRegistration and BrokerRegistration need
    // CLUSTER_ACTION, and without it (tried) they are denied and the client listener never opens.
    // On the client listener nobody is ANONYMOUS: it takes SASL logins only.
    'super.users': ['ANONYMOUS', broker.username, ...(sasl.superUsers ?? [])].map((name) => `User:${name}`).join(';'),
  };
}

/** `kafka-storage format` arguments that store every user's SCRAM-SHA-512 credential in the new cluster. */
export function scramFormatArguments(sasl: BrokerSasl): string[] {
  return Object.entries(sasl.users).flatMap(([name, password]) => ['--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`]);
}
