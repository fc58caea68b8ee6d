/**
 * Principal propagation (`confluent.rest.auth.propagate.method`, the key of Confluent's security
 * plugin): with JETTY_AUTH each principal authenticated by HTTP Basic reaches Kafka with its own
 * user name and password over the SASL mechanism of `client.sasl.mechanism`, through Kafka clients
 * of its own (src/principals), so the brokers' ACLs decide what each principal may do. The
 * proxy's own login (`client.sasl.jaas.config`) stays for work no principal asked for.
 */
import { integer, mapped, type KafkaClientOptions } from './kafka-client-options.ts';
import type { AuthenticationMethod } from './auth-settings.ts';
import type { DefaultedSetting, Setting } from './settings.ts';

export type PropagationMethod = 'JETTY_AUTH';

export interface PropagationSettings {
  /** null: every request reaches Kafka with the proxy's own login. */
  readonly method: PropagationMethod | null;
  /** Principals whose Kafka clients are kept open at once. */
  readonly clientsMax: number;
  /** Closed after this long without a request of their principal. */
  readonly clientsIdleMs: number;
}

const SSL_PROPAGATION =
  'SSL propagation (a client certificate per principal from one keystore) is not available; use JETTY_AUTH with HTTP Basic and a SASL listener';

export const PROPAGATION_SETTINGS = {
  propagateMethod: {
    key: 'confluent.rest.auth.propagate.method',
    type: mapped<PropagationMethod | 'SSL'>([
      ['JETTY_AUTH', 'JETTY_AUTH'],
      ['SSL', 'SSL'],
    ]),
    fallback: null,
    description:
      'JETTY_AUTH: each principal authenticated with HTTP Basic reaches Kafka as itself, its user name and password sent with client.sasl.mechanism over client.security.protocol SASL_*; unset: as the proxy (client.sasl.jaas.config). See docs/SECURITY.md.',
  } satisfies Setting<PropagationMethod | 'SSL'>,
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

export function readPropagationSettings(
  read: <T>(s: Setting<T>) => T | null,
  value: <T>(s: DefaultedSetting<T>) => T,
  problems: string[],
  context: { authenticationMethod: AuthenticationMethod; client: KafkaClientOptions },
): PropagationSettings {
  const P = PROPAGATION_SETTINGS;
  const method = read(P.propagateMethod);
  const settings = { method: null, clientsMax: value(P.principalClientsMax), clientsIdleMs: value(P.principalClientsIdleMs) };
  if (method === null) return settings;
  if (method === 'SSL') {
    problems.push(`${P.propagateMethod.key}=SSL: ${SSL_PROPAGATION}`);
    return settings;
  }
  if (context.authenticationMethod !== 'BASIC') {
    problems.push(`${P.propagateMethod.key}=JETTY_AUTH needs authentication.method=BASIC: the principal's Basic user name and password are its Kafka login (it is ${context.authenticationMethod})`);
  }
  if (!context.client.sasl) {
    problems.push(
      `${P.propagateMethod.key}=JETTY_AUTH needs a SASL connection to Kafka: set client.security.protocol (SASL_PLAINTEXT or SASL_SSL), client.sasl.mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512) and the proxy's own login in client.sasl.jaas.config`,
    );
  }
  return { ...settings, method };
}
