/**
 * `kafka-rest-start [config.properties]`: loads the configuration, checks that nothing else holds
 * its journal, broker directory or ports, starts a local Kafka broker when `bootstrap.servers` is
 * not set (the embedded default), runs the proxy, and shuts down gracefully on SIGTERM or SIGINT:
 * the proxy first (its consumers leave their groups), the broker last.
 *
 * Exit codes: 0 after a graceful shutdown, 1 when the proxy could not start or failed, 2 for an
 * invalid configuration.
 */
import { pino, type Logger } from 'pino';
import { startEmbeddedBroker } from './broker/embedded-broker.ts';
import type { LocalBroker } from './broker/local-broker.ts';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { assertCanListen } from './http/listen-error.ts';
import { loadTlsMaterial } from './http/tls/tls-options.ts';
import { JournalLockedError } from './journal/journal-errors.ts';
import { LockHeldError, ProcessLock } from './process-lock.ts';
import { installProcessGuard } from './process-guard.ts';
import { startProxy, type RunningProxy } from './proxy.ts';
import { StartupError } from './startup-error.ts';
import cluster from 'node:cluster';
import { runWorkers, workerJournalPath } from './workers.ts';

function readConfig(): Config {
  try {
    return loadConfig({ file: process.argv[2], env: process.env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`kafka-rest: ${error.message}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  let config = readConfig();
  const logger = pino({ level: config.logLevel, base: { pid: process.pid, id: config.id || undefined } });
  for (const warning of config.warnings) logger.warn(warning);
  let proxy: RunningProxy | undefined;
  installProcessGuard({ logger, count: (kind) => proxy?.metrics.recordUncaughtError(kind) });

  // Signals are handled from the first moment: one that arrives while the broker starts stops it too.
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) return logger.warn({ signal }, 'already shutting down; it ends within shutdown.timeout.ms plus embedded.broker.shutdown.timeout.ms');
    logger.info({ signal }, 'shutting down');
    stop.abort(new Error(`stopped by ${signal}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // A worker whose primary is gone (killed) shuts down instead of running on unsupervised.
  if (cluster.isWorker) process.once('disconnect', () => onSignal('SIGTERM'));
  const primary = cluster.isPrimary && config.workers > 1;

  let broker: LocalBroker | null = null;
  const stopBroker = async () => {
    if (!broker) return;
    logger.info({ brokerPid: broker.pid }, 'stopping the embedded Kafka broker');
    const outcome = await broker.stop(config.embeddedBrokerShutdownTimeoutMs);
    if (outcome === 'killed') logger.warn(`the embedded Kafka broker did not stop within embedded.broker.shutdown.timeout.ms (${config.embeddedBrokerShutdownTimeoutMs} ms) and was killed; it recovers its logs on the next start`);
    else if (outcome === 'not running') logger.warn('the embedded Kafka broker had already exited; see broker.log in embedded.broker.dir');
    else logger.info('embedded Kafka broker stopped');
  };

  try {
    await preflight(config, primary);
    if (!config.bootstrapServers) {
      broker = await startEmbeddedBroker(config, logger, stop.signal);
      config = { ...config, bootstrapServers: [broker.bootstrapServers] };
    }
    if (primary && !stop.signal.aborted) {
      await runWorkers(config, logger, stop.signal);
      await stopBroker();
      process.exit(0);
    }
    if (!stop.signal.aborted) proxy = await startProxy(config, logger);
  } catch (error) {
    await stopBroker();
    if (stop.signal.aborted) process.exit(0);
    refuse(logger, error);
  }

  if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
  if (proxy) {
    const closed = await within(proxy.close(), config.shutdownTimeoutMs + 5_000);
    if (!closed) logger.warn(`the proxy did not finish closing within shutdown.timeout.ms (${config.shutdownTimeoutMs} ms); stopping anyway`);
  }
  await stopBroker();
  process.exit(0);
}

/**
 * What a second copy must find out before it starts anything: a journal another process holds, a
 * listen address that is taken, or a TLS keystore or truststore that cannot be read. (The broker's
 * directory is locked by LocalBroker itself, before it touches any file there.)
 */
async function preflight(config: Config, primary: boolean): Promise<void> {
  // With workers, each has a journal of its own; the primary opens none.
  const journals = primary ? Array.from({ length: config.workers }, (_, i) => workerJournalPath(config.journalPath, i)) : [config.journalPath];
  for (const journal of journals) {
    try {
      ProcessLock.acquire(journal).release();
    } catch (error) {
      throw error instanceof LockHeldError ? new JournalLockedError(journal, error.holder) : error;
    }
  }
  // node:cluster workers share the ports the primary checked; checking again in each would find them taken.
  if (cluster.isWorker) return;
  await assertCanListen(config.listeners, 'listeners');
  await assertCanListen(config.managementListeners, 'management.listeners');
  if (!config.schemaRegistryUrl) await assertCanListen(config.schemaRegistryListeners, 'schema.registry.listeners');
  // A keystore that cannot be read fails now, not after the embedded broker has started.
  if (config.tls) loadTlsMaterial(config.tls);
}

/** A mistake in how the proxy was started is one line saying what to do; anything else keeps its stack. */
function refuse(logger: Logger, error: unknown): never {
  if (error instanceof JournalLockedError) logger.fatal({ journal: error.path, holder: error.holder }, error.message);
  else if (error instanceof StartupError) logger.fatal(error.message);
  else logger.fatal({ err: error }, 'could not start the proxy');
  process.exit(1);
}

function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void work.finally(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

await main();
