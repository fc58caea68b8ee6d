#!/usr/bin/env node
// `npm run kafka:fetch`: fetches the embedded broker's Kafka jars ahead of its first start (e.g.
// while building an image). Plain JavaScript so it also runs in an install without
// devDependencies: there it uses the built dist/; in a checkout it loads the sources through tsx.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

const source = new URL('../../src/broker/kafka-jars.ts', import.meta.url);
const built = new URL('../../dist/broker/kafka-jars.js', import.meta.url);

async function load() {
  if (existsSync(source)) {
    try {
      createRequire(import.meta.url).resolve('tsx/esm/api');
      const { register } = await import('tsx/esm/api');
      register();
      return import(source.href);
    } catch {
      // no tsx (dependencies only): fall back to the built code
    }
  }
  if (existsSync(built)) return import(built.href);
  console.error('kafka-rest is not built: run `npm run build` first');
  process.exit(1);
}

const { ensureKafkaJars } = await load();
let fetched = false;
try {
  const libs = await ensureKafkaJars({ log: (line) => ((fetched = true), console.log(line)) });
  if (!fetched) console.log(`Apache Kafka's jars are in ${libs}`);
} catch (error) {
  if (error?.name !== 'StartupError') throw error;
  console.error(`kafka-rest: ${error.message}`);
  process.exit(1);
}
