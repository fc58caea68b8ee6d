/**
 * A single-node Apache Kafka broker (KRaft, combined broker+controller) on loopback, run from the
 * jars that ensureKafkaJars (kafka-jars.ts) puts in .kafka/libs, in a process group of its own. The
 * proxy starts one when `bootstrap.servers` is not configured (embedded-broker.ts); the test suite
 * and the benchmarks start their own.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { kafkaLibs } from './kafka-jars.ts';
import { describeHolder, LockHeldError, ProcessLock } from '../process-lock.ts';
import { StartupError } from '../startup-error.ts';
import { brokerLogProblem, stopOrphan } from './broker-process.ts';
import { freePort, portInUse } from './free-port.ts';
import { findJava } from './java.ts';
import { probeMetadata } from './metadata-probe.ts';
import { brokerCredentials, checkBrokerSasl, saslProperties, scramFormatArguments, type BrokerSasl, type SaslPlainCredentials } from './broker-security.ts';
import { checkBrokerSsl, sslProperties, type BrokerSsl, type SslClientIdentity } from './broker-tls.ts';
import { LOG4J2_CONFIG, serverProperties } from './server-properties.ts';

const execFileAsync = promisify(execFile);
const PROPERTIES_FILE = 'server.properties';
const PID_FILE = 'broker.pid';

export interface LocalBrokerOptions {
  /** Data directory: logs, server.properties and broker.log live here. Reused across restarts. */
  dir: string;
  /** Broker port; a free one is picked when omitted. A given port that is taken fails the start. */
  port?: number;
  /** Let producers create topics by producing to them, as a stock Kafka does. */
  autoCreateTopics?: boolean;
  /**
   * SASL/ACL mode (broker-security.ts): the client listener takes SASL_PLAINTEXT logins (PLAIN and
   * SCRAM-SHA-512) from these users only, and StandardAuthorizer denies what no ACL allows. SCRAM
   * credentials are stored when the directory is first formatted; later starts keep those.
   */
  sasl?: BrokerSasl;
  /**
   * SSL/ACL mode (broker-tls.ts): the client listener is SSL and requires a client certificate the
   * truststore's CAs signed; principals are `User:<subject DN>`, and StandardAuthorizer denies
   * what no ACL allows. Not together with `sasl`.
   */
  ssl?: BrokerSsl;
  /** Extra broker properties, appended last. */
  properties?: Record<string, string>;
  startTimeoutMs?: number;
  /** Aborting stops a broker that is still starting; start() then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Told of things an operator should know that are not errors (an orphaned broker stopped first). */
  onNotice?: (message: string) => void;
}

/** How `stop` ended: the broker shut down on SIGTERM, or had to be killed after the grace period. */
export type BrokerStop = 'stopped' | 'killed' | 'not running';

export class LocalBroker {
  private process: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private lock: ProcessLock | null = null;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly controllerPort: number,
    private readonly java: string,
    private readonly startTimeoutMs: number,
    /** In SASL mode, the broker's own super user (PLAIN): for admin clients that create topics and ACLs. */
    readonly superUser: SaslPlainCredentials | null,
    /** In SSL mode, the broker's own certificate: what it and its readiness probe present. */
    private readonly sslIdentity: SslClientIdentity | null,
  ) {}

  /** In SSL mode, the broker's certificate subject (RFC 2253): `User:` + this is a super user. */
  get sslSubject(): string | null {
    return this.sslIdentity?.subject ?? null;
  }

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

  /**
   * Takes the directory (refusing one another proxy's broker uses, before touching any of its
   * files), formats storage once and starts the broker; resolves when it answers metadata requests.
   */
  static async start(options: LocalBrokerOptions): Promise<LocalBroker> {
    if (options.sasl && options.ssl) throw new StartupError('the local broker takes either the SASL mode or the SSL mode, not both');
    if (options.sasl) checkBrokerSasl(options.sasl);
    const sslIdentity = options.ssl ? checkBrokerSsl(options.ssl) : null;
    if (!existsSync(kafkaLibs)) {
      throw new StartupError(`Kafka's jars are missing in ${kafkaLibs}: run \`npm run kafka:fetch\`, or set bootstrap.servers to use an existing Kafka cluster`);
    }
    const java = await findJava();
    const dir = resolve(options.dir);
    const lock = lockDir(dir);
    try {
      // A proxy that was SIGKILLed leaves its broker running (in its own process group), on its port.
      const orphan = await stopOrphan(join(dir, PID_FILE), join(dir, PROPERTIES_FILE));
      if (orphan) options.onNotice?.(`stopped the embedded Kafka broker (pid ${orphan}) that a proxy which did not shut down cleanly left running in ${dir}`);
      if (options.port !== undefined && (await portInUse('127.0.0.1', options.port))) {
        throw new StartupError(`port ${options.port} for the embedded Kafka broker is already in use: stop what uses it, or set embedded.broker.port to a free port`);
      }
      const port = options.port ?? (await freePort());
      const superUser = options.sasl ? brokerCredentials() : null;
      const broker = new LocalBroker(dir, port, await freePort(), java.path, options.startTimeoutMs ?? 120_000, superUser, sslIdentity);
      broker.lock = lock;
      const security = {
        ...(options.sasl && superUser ? saslProperties(options.sasl, superUser, port, broker.controllerPort) : {}),
        ...(options.ssl && sslIdentity ? sslProperties(options.ssl, sslIdentity, port, broker.controllerPort) : {}),
      };
      writeFileSync(broker.propertiesFile, serverProperties(broker, options, security));
      writeFileSync(broker.log4jFile, LOG4J2_CONFIG);
      await broker.format(options.sasl ? scramFormatArguments(options.sasl) : []);
      await broker.resume(options.signal);
      return broker;
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  /** Starts the broker process again on the same ports and data (after `stop`). */
  async resume(signal?: AbortSignal): Promise<void> {
    if (this.process) return;
    this.lock ??= lockDir(this.dir);
    const logFd = openSync(this.logFile, 'a');
    // Its own process group: a Ctrl-C to the proxy's group must not reach the broker, which is
    // stopped after the proxy has closed its consumers (their LeaveGroup needs a live broker).
    const child = spawn(this.java, [...jvmArgs(this), 'kafka.Kafka', this.propertiesFile], { stdio: ['ignore', logFd, logFd], detached: true });
    closeSync(logFd);
    this.process = child;
    let spawnError: Error | null = null;
    child.once('error', (error) => (spawnError = error));
    this.exited = new Promise((done) => child.once('close', () => done()));
    void this.exited.then(() => {
      if (this.process === child) this.process = null;
    });
    if (child.pid) writeFileSync(this.pidFile, `${child.pid}\n`);
    const abort = () => void this.stop();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const deadline = Date.now() + this.startTimeoutMs;
      while (Date.now() < deadline) {
        if (signal?.aborted) throw signal.reason;
        if (spawnError) throw new StartupError(`could not run ${this.java}: ${(spawnError as Error).message}`);
        if (!this.process) throw new StartupError(`the embedded Kafka broker exited during start-up${brokerLogProblem(this.logFile)}; see ${this.logFile}`);
        if (await probeMetadata('127.0.0.1', this.port, 1000, this.superUser ?? this.sslIdentity ?? undefined)) return;
        await sleep(250);
      }
      throw new StartupError(`the embedded Kafka broker did not answer within ${this.startTimeoutMs} ms; see ${this.logFile}`);
    } catch (error) {
      await this.stop();
      throw error;
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Stops the broker: SIGTERM for a controlled shutdown, SIGKILL if it takes longer than `timeoutMs`. */
  async stop(timeoutMs = 30_000): Promise<BrokerStop> {
    const child = this.process;
    if (!child) {
      this.releaseLock();
      return 'not running';
    }
    let outcome: BrokerStop = 'stopped';
    child.kill('SIGTERM');
    const killed = setTimeout(() => {
      outcome = 'killed';
      child.kill('SIGKILL');
    }, timeoutMs);
    await this.exited;
    clearTimeout(killed);
    this.process = null;
    this.releaseLock();
    return outcome;
  }

  private releaseLock(): void {
    this.lock?.release();
    this.lock = null;
  }

  private get propertiesFile(): string {
    return join(this.dir, PROPERTIES_FILE);
  }

  private get log4jFile(): string {
    return join(this.dir, 'log4j2.properties');
  }

  private get logFile(): string {
    return join(this.dir, 'broker.log');
  }

  private get pidFile(): string {
    return join(this.dir, PID_FILE);
  }

  /** Formats the storage directory once; a restart on the same dir keeps its cluster id and data. */
  private async format(extraArguments: string[]): Promise<void> {
    if (existsSync(join(this.dir, 'data', 'meta.properties'))) return;
    const clusterId = randomBytes(16).toString('base64url');
    await execFileAsync(
      this.java,
      // `=` form: a base64url id may start with '-', which would read as an option.
      [...jvmArgs(this), 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '--config', this.propertiesFile, '--ignore-formatted', ...extraArguments],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  }
}

/** One proxy per broker directory, taken before any of its files is written. */
function lockDir(dir: string): ProcessLock {
  mkdirSync(dir, { recursive: true });
  try {
    return ProcessLock.acquire(join(dir, 'broker'));
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    throw new StartupError(`the embedded broker's directory ${dir} is in use by ${describeHolder(error.holder)}: stop that process, or give this one its own embedded.broker.dir`);
  }
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

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
