/**
 * A broker of a test's own, in a temporary directory, for tests that stop, pause or restart it
 * without disturbing the rest of the suite; `remove()` stops it and deletes its data.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBroker, type LocalBrokerOptions } from '../../src/broker/local-broker.ts';

export interface OwnBroker {
  broker: LocalBroker;
  /** A temporary directory the test may use too (journals); the broker's data is in `kafka/`. */
  dir: string;
  remove(): Promise<void>;
}

/**
 * What every broker the tests start is given. Tests write records with fixed timestamps years in
 * the past (2017, 2021) to assert them byte for byte, and Kafka's time retention (7 days) would
 * delete those at its next check, every 5 minutes: at a random moment of the run, the partition
 * would be empty and a read of it `[]`. Retention by time is off, so records stay where written.
 */
export const TEST_BROKER_PROPERTIES: Readonly<Record<string, string>> = { 'log.retention.ms': '-1' };

export async function startOwnBroker(name: string, options: Omit<LocalBrokerOptions, 'dir'> = { autoCreateTopics: false }): Promise<OwnBroker> {
  const dir = mkdtempSync(join(tmpdir(), `kafka-rest-${name}-`));
  const broker = await LocalBroker.start({ ...options, properties: { ...TEST_BROKER_PROPERTIES, ...options.properties }, dir: join(dir, 'kafka') });
  return {
    broker,
    dir,
    remove: async () => {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A broker of its own with Kafka's StandardAuthorizer, for the ACL tests: the plaintext clients
 * (the proxy's, and the controller listener's) are User:ANONYMOUS, a super user, and a resource
 * with no ACL is open to everyone.
 */
export function startAclBroker(name: string): Promise<OwnBroker> {
  return startOwnBroker(name, {
    autoCreateTopics: false,
    properties: {
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:ANONYMOUS',
      'allow.everyone.if.no.acl.found': 'true',
    },
  });
}

/**
 * Pauses a broker's JVM with SIGSTOP and returns once every one of its threads is in the stopped
 * state, so a request sent after this cannot be answered until `resumeBroker`. (kill() only makes
 * the stop pending; a thread finishing a system call stops a moment later.)
 */
export async function pauseBroker(broker: LocalBroker): Promise<void> {
  const pid = broker.pid;
  if (pid === null) throw new Error('the broker is not running');
  process.kill(pid, 'SIGSTOP');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const running = threadStates(pid).filter((state) => state !== 'T' && state !== 't');
    if (running.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the broker (pid ${pid}) did not stop: thread states ${running.join('')}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

/** Lets a paused broker run again; harmless if it is not paused or has exited. */
export function resumeBroker(broker: LocalBroker | undefined): void {
  const pid = broker?.pid;
  if (pid) process.kill(pid, 'SIGCONT');
}

/** The state letter of each thread of a process, from /proc/<pid>/task/<tid>/stat. */
function threadStates(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      // The state follows the command name, which is in parentheses and may itself contain ')'.
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return [stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}
