/** Prints docs/CONFIGURATION.md's key table from the config module, so the docs cannot drift. */
import { describeConfigKeys } from '../src/config/config.ts';

const escape = (text: string) => text.replaceAll('|', '\\|');
console.log('| key | default | meaning |');
console.log('|---|---|---|');
for (const { key, default: fallback, description } of describeConfigKeys()) {
  console.log(`| \`${key}\` | ${fallback === '' ? '' : `\`${escape(fallback)}\``} | ${escape(description)} |`);
}
