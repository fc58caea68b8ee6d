/** Prints docs/CONFIGURATION.md's key tables from the config module, so the docs cannot drift. */
import { describeConfluentKeys } from '../src/config/confluent-keys.ts';
import { describeConfigKeys } from '../src/config/config.ts';
import { describeJavaClientKeys } from '../src/config/java-client-keys.ts';

// `|` would end a cell and `<topic>` would read as an HTML tag.
const escape = (text: string) => text.replaceAll('|', '\\|').replaceAll('<', '\\<');
const code = (keys: string[]) => keys.map((k) => `\`${k}\``).join(', ');

console.log('| key | default | meaning |');
console.log('|---|---|---|');
for (const { key, default: fallback, description } of describeConfigKeys()) {
  console.log(`| \`${key}\` | ${fallback === '' ? '' : `\`${escape(fallback)}\``} | ${escape(description)} |`);
}

console.log('\nKeys of Confluent\'s REST Proxy that mean nothing here (each ignored key logs one warning at start-up):\n');
console.log('| Confluent key | here |');
console.log('|---|---|');
for (const { keys, effect } of describeConfluentKeys()) console.log(`| ${code(keys)} | ${escape(effect)} |`);

console.log('\nJava client keys without a kafkajs equivalent, under `client.`, `producer.`, `consumer.` or `admin.`:\n');
console.log('| Java key | here |');
console.log('|---|---|');
for (const { keys, effect } of describeJavaClientKeys()) console.log(`| ${code(keys)} | ${escape(effect)} |`);
