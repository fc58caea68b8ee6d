/**
 * A process with the proxy's process guard (src/process-guard.ts) installed, in which real SQLite
 * storage errors escape every handler — thrown from a timer, then as a rejected promise — and
 * then a plain bug does. Prints `{"msg":"still running",...}` between the two, with the counts.
 * Usage: node --import tsx test/helpers/guarded-process.ts <database path>
 */
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { installProcessGuard } from '../../src/process-guard.ts';

const path = process.argv[2]!;
const counts = { storage: 0, other: 0 };
// Written synchronously, as console.log is: pino's default destination writes in the background,
// so under load its lines could land after the "still running" printed later.
installProcessGuard({ logger: pino({ level: 'info' }, pino.destination({ dest: 1, sync: true })), count: (kind) => counts[kind]++ });

const setup = new Database(path);
setup.exec('CREATE TABLE IF NOT EXISTS t (x)');
setup.close();
// Writing through a read-only connection: SQLITE_READONLY, as a read-only journal file gives.
const readOnly = new Database(path, { readonly: true });
const write = () => readOnly.prepare('INSERT INTO t VALUES (1)').run();

setTimeout(() => {
  setTimeout(() => {
    void Promise.resolve().then(write);
    setTimeout(() => {
      console.log(JSON.stringify({ level: 30, msg: 'still running', counts }));
      setTimeout(() => {
        throw new TypeError('a bug');
      });
    });
  });
  write();
});
