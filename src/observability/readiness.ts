/**
 * Readiness: the broker answers and the journal takes writes — a real one each time (see
 * src/journal/journal-heartbeat.ts), so a full disk shows. A check never waits longer than
 * its timeout (kafkajs would keep retrying against a dead broker), and at most one broker probe
 * runs at a time: a probe still running answers with the last result.
 */
export interface ReadinessChecks {
  broker: boolean;
  journal: boolean;
}

export interface ReadinessProbe {
  check(): Promise<ReadinessChecks>;
}

export function createReadinessProbe(options: {
  brokerReachable: () => Promise<unknown>;
  journalWritable: () => boolean;
  timeoutMs: number;
}): ReadinessProbe {
  let lastBroker = false;
  let running: Promise<boolean> | null = null;
  const probeBroker = (): Promise<boolean> => {
    running ??= new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), options.timeoutMs);
      options.brokerReachable().then(
        () => {
          clearTimeout(timer);
          resolve(true);
        },
        () => {
          clearTimeout(timer);
          resolve(false);
        },
      );
    }).then((ok) => {
      lastBroker = ok;
      running = null;
      return ok;
    });
    return running;
  };
  return {
    async check() {
      const broker = await Promise.race([probeBroker(), delay(options.timeoutMs).then(() => lastBroker)]);
      return { broker, journal: options.journalWritable() };
    },
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
