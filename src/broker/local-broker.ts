/**
 * A single-node Apache Kafka broker (KRaft, combined broker+controller) on loopback, run from the
 * jars that scripts/kafka/fetch.ts puts in .kafka/libs. The proxy starts one when
 * `bootstrap.servers` is not configured; the test suite and the benchmarks start their own.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { kafkaLibs } from '../../scripts/kafka/paths.ts';
import { freePort } from './free-port.ts';
import { probeMetadata } from './metadata-probe.ts';

const execFileAsync = promisify(execFile);

export interface LocalBrokerOptions {
  /** Data directory: logs, server.properties and broker.log live here. Reused across restarts. */
  dir: string;
  /** Broker port; a free one is picked when omitted. */
  port?: number;
  /** Let producers create topics by producing to them, as a stock Kafka does. */
  autoCreateTopics?: boolean;
  /** Extra broker properties, appended last. */
  properties?: Record<string, string>;
  startTimeoutMs?: number;
}

export class LocalBroker {
  private process: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
    private readonly startTimeoutMs: number,
  ) {}

  get bootstrapServers(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The broker's JVM while it runs (tests pause it with SIGSTOP to play a slow broker). */
  get pid(): number | null {
    return this.process?.pid ?? null;
  }

  get running(): boolean {
    return this.process !== null;
  }

  /** Formats storage (once) and starts the broker; resolves when it answers metadata requests. */
  static async start(options: LocalBrokerOptions): Promise<LocalBroker> {
    if (!existsSync(kafkaLibs)) {
      throw new Error(`Kafka jars are missing in ${kafkaLibs}; run \`npm install\` (it fetches them with Maven)`);
    }
    const dir = resolve(options.dir);
    mkdirSync(dir, { recursive: true });
    const port = options.port ?? (await freePort());
    const controllerPort = await freePort();
    const broker = new LocalBroker(dir, port, controllerPort, options.startTimeoutMs ?? 120_000);
    writeFileSync(broker.propertiesFile, serverProperties(broker, options));
    writeFileSync(broker.log4jFile, LOG4J2_CONFIG);
    await broker.format();
    await broker.resume();
    return broker;
  }

  /** Starts the broker process again on the same ports and data (after `stop`). */
  async resume(): Promise<void> {
    if (this.process) return;
    const logFd = openSync(join(this.dir, 'broker.log'), 'a');
    const child = spawn(javaBinary(), [...jvmArgs(this), 'kafka.Kafka', this.propertiesFile], {
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    this.process = child;
    this.exited = new Promise((done) => child.once('exit', () => done()));
    void this.exited.then(() => {
      if (this.process === child) this.process = null;
    });
    const deadline = Date.now() + this.startTimeoutMs;
    while (Date.now() < deadline) {
      if (!this.process) throw new Error(`Kafka broker exited during start-up; see ${join(this.dir, 'broker.log')}`);
      if (await probeMetadata('127.0.0.1', this.port, 1000)) return;
      await sleep(250);
    }
    await this.stop();
    throw new Error(`Kafka broker did not answer within ${this.startTimeoutMs} ms; see ${join(this.dir, 'broker.log')}`);
  }

  /** Stops the broker: SIGTERM for a controlled shutdown, SIGKILL if it takes too long. */
  async stop(timeoutMs = 30_000): Promise<void> {
    const child = this.process;
    if (!child) return;
    child.kill('SIGTERM');
    const killed = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(killed);
    this.process = null;
  }

  private get propertiesFile(): string {
    return join(this.dir, 'server.properties');
  }

  private get log4jFile(): string {
    return join(this.dir, 'log4j2.properties');
  }

  /** Formats the storage directory once; a restart on the same dir keeps its cluster id and data. */
  private async format(): Promise<void> {
    if (existsSync(join(this.dir, 'data', 'meta.properties'))) return;
    const clusterId = randomBytes(16).toString('base64url');
    await execFileAsync(
      javaBinary(),
      // `=` form: a base64url id may start with '-', which would read as an option.
      [...jvmArgs(this), 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '--config', this.propertiesFile, '--ignore-formatted'],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  }
}

function serverProperties(broker: LocalBroker, options: LocalBrokerOptions): string {
  const lines: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${broker.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${broker.port},CONTROLLER://127.0.0.1:${broker.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${broker.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(broker.dir, 'data'),
    'auto.create.topics.enable': String(options.autoCreateTopics ?? true),
    'num.partitions': '1',
    // One node: every internal topic must live with replication factor 1.
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    // Groups form at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms': '0',
    'num.network.threads': '2',
    'num.io.threads': '4',
    ...options.properties,
  };
  return Object.entries(lines)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')
    .concat('\n');
}

function jvmArgs(broker: LocalBroker): string[] {
  return [
    '-Xms256m',
    '-Xmx1g',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(broker.dir, 'log4j2.properties')}`,
    `-Dkafka.logs.dir=${broker.dir}`,
    '-cp',
    `${kafkaLibs}/*`,
  ];
}

function javaBinary(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

// Broker logs go to stdout, which start() sends to <dir>/broker.log; INFO for Kafka, WARN for chatter.
const LOG4J2_CONFIG = `status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRefs = stdout
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.clients.name = org.apache.kafka
logger.clients.level = WARN
`;
