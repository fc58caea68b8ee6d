/**
 * `kafka-rest-start [config.properties]`: loads the configuration, starts a local Kafka broker
 * when `bootstrap.servers` is not set (the embedded default), runs the proxy, and shuts both down
 * gracefully on SIGTERM or SIGINT.
 */
import { pino } from 'pino';
import { LocalBroker } from './broker/local-broker.ts';
import { ConfigError, loadConfig, type Config } from './config/config.ts';
import { JournalLockedError } from './journal/journal-errors.ts';
import { JournalLock } from './journal/journal-lock.ts';
import { installProcessGuard } from './process-guard.ts';
import { startProxy, type RunningProxy } from './proxy.ts';

async function main(): Promise<void> {
  const file = process.argv[2];
  let config: Config;
  try {
    config = loadConfig({ file, env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`kafka-rest: invalid configuration\n${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = pino({ level: config.logLevel, base: { id: config.id || undefined } });
  let proxy: RunningProxy | undefined;
  installProcessGuard({ logger, count: (kind) => proxy?.metrics.recordUncaughtError(kind) });

  function refuse(error: unknown): never {
    // A second process on the same journal: one line naming the holder says it all.
    if (error instanceof JournalLockedError) logger.fatal({ journal: error.path, holder: error.holder }, error.message);
    else logger.fatal({ err: error }, 'could not start the proxy');
    process.exit(1);
  }

  let broker: LocalBroker | null = null;
  if (!config.bootstrapServers) {
    // Before an embedded broker starts in a directory another proxy may be using: a held journal says who.
    try {
      JournalLock.acquire(config.journalPath).release();
    } catch (error) {
      refuse(error);
    }
    logger.info({ dir: config.embeddedBrokerDir }, 'bootstrap.servers is not set: starting an embedded Kafka broker');
    broker = await LocalBroker.start({ dir: config.embeddedBrokerDir, autoCreateTopics: true });
    config = { ...config, bootstrapServers: [broker.bootstrapServers] };
    logger.info({ bootstrapServers: broker.bootstrapServers }, 'embedded Kafka broker ready');
  }

  const stopBroker = async () => {
    if (broker) await broker.stop();
  };
  try {
    proxy = await startProxy(config, logger);
  } catch (error) {
    await stopBroker();
    refuse(error);
  }

  const running = proxy;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await running.close();
    await stopBroker();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

await main();
