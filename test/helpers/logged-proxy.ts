/**
 * The real proxy in-process (as test/helpers/proxy.ts starts it) with its log lines kept, for
 * tests that check what operators are told.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.ts';
import { startProxy } from '../../src/proxy.ts';
import { bootstrapServers } from './cluster.ts';
import type { LogLine } from './journal-processes.ts';
import type { TestProxy } from './proxy.ts';

export interface LoggedProxy extends TestProxy {
  lines: LogLine[];
}

export async function startLoggedProxy(properties: Record<string, string> = {}): Promise<LoggedProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-logged-proxy-'));
  const settings: Record<string, string> = {
    listeners: 'http://127.0.0.1:0',
    'management.listeners': 'http://127.0.0.1:0',
    'schema.registry.listeners': '',
    'bootstrap.servers': bootstrapServers(),
    'journal.path': join(dir, 'journal.db'),
    'producer.max.block.ms': '5000',
    ...properties,
  };
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) env[`KAFKA_REST_${key.toUpperCase().replaceAll('.', '_')}`] = value;
  const lines: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  const proxy = await startProxy(loadConfig({ env }), logger);
  return {
    ...proxy,
    url: proxy.urls[0]!,
    dir,
    lines,
    close: async () => {
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
