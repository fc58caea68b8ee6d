/**
 * Every key the configuration knows, for the docs table and for the hint given with an unknown
 * key ("did you mean …?", else the keys that are known).
 */
import { CONFLUENT_KEY_NAMES } from './confluent-keys.ts';
import { didYouMean } from './did-you-mean.ts';
import { JAVA_CLIENT_KEY_NAMES } from './java-client-keys.ts';
import { PASS_THROUGH_GROUPS } from './kafka-client-options.ts';
import { ALL_SETTINGS, SETTING_KEYS } from './settings.ts';

const MAPPED_DOCS = [
  {
    key: 'port',
    default: '',
    description:
      "Confluent's deprecated port: when listeners is not set, the proxy listens on http://0.0.0.0:<port>, and a warning says so; ignored (with a warning) when listeners is set. Expected: an integer between 0 and 65535.",
  },
  {
    key: 'host.name',
    default: '',
    description:
      "Confluent's deprecated host for absolute URLs: when advertised.listeners is not set, each listener is advertised as <scheme>://<host.name>:<its port> (one on port 0 cannot be), and a warning says so; ignored (with a warning) when advertised.listeners is set. Expected: a host name or IP address.",
  },
];

/** Every key with its default and meaning, for the docs table. */
export function describeConfigKeys(): Array<{ key: string; default: string; description: string }> {
  return [
    ...ALL_SETTINGS.map((s) => ({ key: s.key, default: s.fallback ?? '', description: `${s.description} Expected: ${s.type.expected}.` })),
    ...MAPPED_DOCS,
    ...PASS_THROUGH_GROUPS.flatMap((group) =>
      group.keys.map((k) => ({
        key: group.prefix + k.key,
        default: '',
        description: `${k.description} Maps to \`${k.kafkajs}\`. Expected: ${k.expected}.`,
      })),
    ),
  ];
}

/** The proxy's own keys: a near miss of one is a typo, even where a Confluent prefix would match it. */
const OWN_KEYS: readonly string[] = [
  ...SETTING_KEYS,
  ...PASS_THROUGH_GROUPS.flatMap((g) => g.keys.map((k) => g.prefix + k.key)),
  ...MAPPED_DOCS.map((m) => m.key),
];

/** The key of the proxy's own that `key` is a typo of, or null. */
export const nearOwnKey = (key: string): string | null => didYouMean(key, OWN_KEYS);

let known: string[] | undefined;

/** Known keys, most common first (ties in "did you mean" go to the earlier). */
function knownKeys(): string[] {
  known ??= [
    ...OWN_KEYS,
    ...CONFLUENT_KEY_NAMES,
    ...PASS_THROUGH_GROUPS.flatMap((g) => JAVA_CLIENT_KEY_NAMES.map((name) => g.prefix + name)),
  ];
  return known;
}

/** What to say about an unknown key; `group` is the pass-through group whose prefix it has. */
export function unknownKeyHint(key: string, group: { prefix: string; keys: readonly { key: string }[] } | null): string {
  if (group === null) {
    // A Kafka client key given without its prefix (`security.protocol`).
    const prefixed = PASS_THROUGH_GROUPS.find((g) => g.keys.some((k) => k.key === key));
    if (prefixed) return `did you mean ${prefixed.prefix}${key}?`;
  }
  const suggestion = didYouMean(key, knownKeys());
  if (suggestion) return `did you mean ${suggestion}?`;
  if (group) return `supported ${group.prefix}* keys are ${group.keys.map((k) => k.key).join(', ')}`;
  const listed = [...SETTING_KEYS, ...MAPPED_DOCS.map((m) => m.key), ...PASS_THROUGH_GROUPS.map((g) => `${g.prefix}*`)];
  return `expected one of ${listed.join(', ')}`;
}
