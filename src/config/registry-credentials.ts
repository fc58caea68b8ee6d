/**
 * The basic-auth credentials of an external schema registry, from where Confluent's
 * `basic.auth.credentials.source` says: the URLs, `schema.registry.basic.auth.user.info`, or the
 * Kafka client's SASL login.
 */
import type { KafkaClientOptions } from './kafka-client-options.ts';
import { invalid, refused, type RawValue } from './messages.ts';
import { SETTINGS } from './settings.ts';

/** Unset source: the URLs' credentials when they carry some, else user.info. */
export function registryCredentials(
  raw: Map<string, RawValue>,
  fromUrl: string | null,
  userInfo: string | null,
  client: KafkaClientOptions,
  problems: string[],
): string | null {
  const sourceRaw = raw.get(SETTINGS.schemaRegistryCredentialsSource.key);
  const parsed = sourceRaw === undefined ? undefined : SETTINGS.schemaRegistryCredentialsSource.type.parse(sourceRaw.value);
  if (parsed !== undefined && !parsed.ok) {
    problems.push(invalid(SETTINGS.schemaRegistryCredentialsSource.key, sourceRaw!, SETTINGS.schemaRegistryCredentialsSource.type.expected, undefined, false));
    return null;
  }
  switch (parsed?.value) {
    case 'URL':
      return fromUrl;
    case 'USER_INFO':
      return userInfo;
    case 'SASL_INHERIT':
      if (client.sasl) return `${client.sasl.username}:${client.sasl.password}`;
      problems.push(refused(SETTINGS.schemaRegistryCredentialsSource.key, sourceRaw!, 'SASL_INHERIT needs a SASL login: client.security.protocol SASL_* with client.sasl.jaas.config'));
      return null;
    default:
      return fromUrl ?? userInfo;
  }
}
