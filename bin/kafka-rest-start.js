#!/usr/bin/env node
// kafka-rest-start [config.properties]: runs the proxy built into dist/ by `npm run build`.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('kafka-rest is not built: run `npm run build` (or `npm start`, which builds first)');
  process.exit(1);
}
await import(main.href);
