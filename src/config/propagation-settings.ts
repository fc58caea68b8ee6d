/**
 * Principal propagation (`confluent.rest.auth.propagate.method`, the key of Confluent's security
 * plugin), so the brokers' ACLs decide what each principal may do, through Kafka clients of its
 * own (src/principals):
 * - JETTY_AUTH: a principal authenticated by HTTP Basic reaches Kafka with its own user name and
 *   password over the SASL mechanism of `client.sasl.mechanism`;
 * - SSL: a principal named by its client certificate (mTLS to the proxy) reaches Kafka over TLS
 *   with the certificate of the same subject from `client.ssl.keystore.location`, a PKCS12 store
 *   holding one entry per principal (as Confluent's plugin takes it).
 * The proxy's own login (`client.sasl.jaas.config`, or the PEM `client.ssl.keystore.*`) stays for
 * work no principal asked for.
 */
import { integer, mapped, type KafkaClientOptions } from './kafka-client-options.ts';
import type { AuthenticationMethod } from './auth-settings.ts';
import type { DefaultedSetting, Setting } from './settings.ts';

export type PropagationMethod = 'JETTY_AUTH' | 'SSL';

export interface PropagationSettings {
  /** null: every request reaches Kafka with the proxy's own login. */
  readonly method: PropagationMethod | null;
  /** SSL: the PKCS12 store with a certificate and key per principal. */
  readonly keystore: { readonly location: string; readonly password: string } | null;
  /** Principals whose Kafka clients are kept open at once. */
  readonly clientsMax: number;
  /** Closed after this long without a request of their principal. */
  readonly clientsIdleMs: number;
}

export const PROPAGATION_SETTINGS = {
  propagateMethod: {
    key: 'confluent.rest.auth.propagate.method',
    type: mapped<PropagationMethod>([
      ['JETTY_AUTH', 'JETTY_AUTH'],
      ['SSL', 'SSL'],
    ]),
    fallback: null,
    description:
      'JETTY_AUTH: each principal authenticated with HTTP Basic reaches Kafka as itself, its user name and password sent with client.sasl.mechanism over client.security.protocol SASL_*; SSL: each client-certificate principal reaches Kafka with the certificate of its subject from client.ssl.keystore.location; unset: as the proxy. See docs/SECURITY.md.',
  } satisfies Setting<PropagationMethod>,
  principalClientsMax: {
    key: 'principal.clients.max',
    type: integer(1),
    fallback: '100',
    description: 'With propagation: principals whose Kafka clients (producer pool, admin, fetcher) stay open at once; the least recently used idle ones close first.',
  } satisfies DefaultedSetting<number>,
  principalClientsIdleMs: {
    key: 'principal.clients.idle.timeout.ms',
    type: integer(1_000),
    fallback: '600000',
    description: "With propagation: a principal's Kafka clients close after this long without a request of theirs (its consumer instances keep their own).",
  } satisfies DefaultedSetting<number>,
};

export interface PropagationContext {
  authenticationMethod: AuthenticationMethod;
  client: KafkaClientOptions;
  /** Whether the https listeners ask for client certificates (ssl.client.authentication). */
  clientCertificates: boolean;
  /** The raw `client.ssl.keystore.location` and `.password` (SSL propagation reads the store). */
  keystoreLocation: string | null;
  keystorePassword: string | null;
}

export function readPropagationSettings(
  read: <T>(s: Setting<T>) => T | null,
  value: <T>(s: DefaultedSetting<T>) => T,
  problems: string[],
  context: PropagationContext,
): PropagationSettings {
  const P = PROPAGATION_SETTINGS;
  const method = read(P.propagateMethod);
  const settings = { method: null, keystore: null, clientsMax: value(P.principalClientsMax), clientsIdleMs: value(P.principalClientsIdleMs) };
  const key = P.propagateMethod.key;
  if (method === null) return settings;
  if (method === 'SSL') {
    const tls = context.client.ssl;
    if (!tls || context.client.sasl) problems.push(`${key}=SSL needs client.security.protocol=SSL: the principals' certificates are their Kafka login`);
    if (!context.clientCertificates) problems.push(`${key}=SSL needs principals named by client certificates: an https listener with ssl.client.authentication=REQUIRED (or REQUESTED)`);
    if (context.authenticationMethod !== 'NONE') problems.push(`${key}=SSL takes the principal from the client certificate: authentication.method must be NONE (it is ${context.authenticationMethod})`);
    if (!context.keystoreLocation) problems.push(`${key}=SSL needs client.ssl.keystore.location: a PKCS12 store with a certificate and key per principal`);
    if (tls && (typeof tls !== 'object' || !tls.cert)) problems.push(`${key}=SSL needs the proxy's own certificate for its own work: client.ssl.keystore.certificate.chain and client.ssl.keystore.key (PEM)`);
    return { ...settings, method, keystore: context.keystoreLocation ? { location: context.keystoreLocation, password: context.keystorePassword ?? '' } : null };
  }
  if (context.authenticationMethod !== 'BASIC') {
    problems.push(`${key}=JETTY_AUTH needs authentication.method=BASIC: the principal's Basic user name and password are its Kafka login (it is ${context.authenticationMethod})`);
  }
  if (!context.client.sasl) {
    problems.push(
      `${key}=JETTY_AUTH needs a SASL connection to Kafka: set client.security.protocol (SASL_PLAINTEXT or SASL_SSL), client.sasl.mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512) and the proxy's own login in client.sasl.jaas.config`,
    );
  }
  return { ...settings, method };
}
