/**
 * `workers=N` (N > 1): one machine's cores through one set of ports. The primary process starts
 * the embedded broker (when there is one) and forks N proxy processes with node:cluster; they
 * share the listen ports (the primary hands connections round robin) and form a proxy cluster of
 * their own through Kafka (src/cluster), so a consumer instance is served whichever process a
 * request lands on. Produce needs no ownership and scales with the processes.
 *
 * What each worker gets differently, as `KAFKA_REST_*` variables over the same properties file:
 * its own journal file (`journal-worker-<i>.db` beside journal.path), its own id, cluster mode
 * (`cluster.name`, unless set, names the machine's cluster after the journal path and listeners),
 * and the embedded schema registry only in worker 0, which the others reach at its listener, so a
 * schema has one id whichever worker registered it. A worker that dies is started again.
 */
import cluster, { type Worker } from 'node:cluster';
import { createHash } from 'node:crypto';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { freePort } from './broker/free-port.ts';
import { keyToEnvName, type Config } from './config/config.ts';
import { serveWorkerMetrics } from './observability/worker-metrics.ts';

const RESTART_DELAYS_MS = [500, 1_000, 2_000, 5_000];

/** Worker `index`'s own journal file, beside journal.path: `journal.db` → `journal-worker-<index>.db`. */
export function workerJournalPath(journal: string, index: number): string {
  const extension = extname(journal);
  return join(dirname(journal), `${basename(journal, extension)}-worker-${index}${extension}`);
}

/** The settings worker `index` runs with, over the configuration the primary read. */
export function workerSettings(config: Config, index: number, registry: { listener: string | null; url: string | null }): Record<string, string> {
  const journal = config.journalPath;
  const settings: Record<string, string> = {
    workers: '1',
    id: `${config.id ? `${config.id}-` : ''}w${index}`,
    'journal.path': workerJournalPath(journal, index),
    'bootstrap.servers': config.bootstrapServers!.join(','),
    'cluster.name': config.cluster?.name ?? `local-${createHash('sha256').update(`${resolve(journal)} ${config.listeners.map((l) => l.href).join(',')}`).digest('hex').slice(0, 12)}`,
  };
  if (!config.schemaRegistryUrl) {
    settings['schema.registry.listeners'] = index === 0 ? (registry.listener ?? '') : '';
    if (index > 0 && registry.url) settings['schema.registry.url'] = registry.url;
  }
  return settings;
}

/** Where worker 0's embedded registry listens and where the others reach it. */
export async function workerRegistry(config: Config): Promise<{ listener: string | null; url: string | null }> {
  if (config.schemaRegistryUrl) return { listener: null, url: null };
  const configured = config.schemaRegistryListeners[0];
  // Without a listener of its own the registry still has to be reachable by the other workers: on loopback.
  const listener = configured ? config.schemaRegistryListeners.map((u) => u.href.replace(/\/$/, '')).join(',') : `http://127.0.0.1:${await freePort()}`;
  const first = new URL(listener.split(',')[0]!);
  if (first.hostname === '0.0.0.0' || first.hostname === '[::]') first.hostname = '127.0.0.1';
  return { listener, url: first.href.replace(/\/$/, '') };
}

/** Runs the workers until `stop` aborts, then stops them (each shuts down gracefully) and resolves. */
export async function runWorkers(config: Config, logger: Logger, stop: AbortSignal): Promise<void> {
  const registry = await workerRegistry(config);
  serveWorkerMetrics();
  const workers = new Map<number, Worker>();
  let stopping = false;
  const fork = (index: number, restarts: number) => {
    const env = Object.fromEntries(Object.entries(workerSettings(config, index, registry)).map(([key, value]) => [keyToEnvName(key), value]));
    const worker = cluster.fork(env);
    workers.set(index, worker);
    worker.once('exit', (code, signal) => {
      if (workers.get(index) === worker) workers.delete(index);
      if (stopping) return;
      const delay = RESTART_DELAYS_MS[Math.min(restarts, RESTART_DELAYS_MS.length - 1)]!;
      logger.error({ worker: index, code, signal, restartInMs: delay }, 'a proxy worker exited; starting it again (its consumer instances are served by the other workers meanwhile)');
      setTimeout(() => {
        if (!stopping) fork(index, restarts + 1);
      }, delay).unref();
    });
  };
  // Worker 0 first: it holds the embedded registry the others use, and creates the sessions topic.
  fork(0, 0);
  await new Promise<void>((resolve) => {
    const first = workers.get(0)!;
    first.once('listening', () => resolve());
    first.once('exit', () => resolve());
  });
  for (let index = 1; index < config.workers; index++) fork(index, 0);
  logger.info({ workers: config.workers, listeners: config.listeners.map((l) => l.href) }, 'proxy workers started');

  await new Promise((resolve) => (stop.aborted ? resolve(undefined) : stop.addEventListener('abort', resolve, { once: true })));
  stopping = true;
  const running = [...workers.values()];
  const exited = running.map((worker) => new Promise((resolve) => (worker.isDead() ? resolve(undefined) : worker.once('exit', resolve))));
  for (const worker of running) worker.process.kill('SIGTERM');
  await Promise.all(exited);
}
