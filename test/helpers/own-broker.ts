/**
 * A broker of a test's own, in a temporary directory, for tests that stop, pause or restart it
 * without disturbing the rest of the suite; `remove()` stops it and deletes its data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBroker, type LocalBrokerOptions } from '../../src/broker/local-broker.ts';

export interface OwnBroker {
  broker: LocalBroker;
  /** A temporary directory the test may use too (journals); the broker's data is in `kafka/`. */
  dir: string;
  remove(): Promise<void>;
}

export async function startOwnBroker(name: string, options: Omit<LocalBrokerOptions, 'dir'> = { autoCreateTopics: false }): Promise<OwnBroker> {
  const dir = mkdtempSync(join(tmpdir(), `kafka-rest-${name}-`));
  const broker = await LocalBroker.start({ ...options, dir: join(dir, 'kafka') });
  return {
    broker,
    dir,
    remove: async () => {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
