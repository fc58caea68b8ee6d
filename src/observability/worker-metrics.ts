/**
 * `/metrics` with `workers=N`: the workers share the management port, so a scrape lands on
 * whichever worker takes the connection, and each worker alone would answer its own counters —
 * jumping from scrape to scrape. Instead the worker that takes a scrape asks the primary, which
 * gathers every worker's registry over node:cluster's IPC and answers their aggregate (prom-client's
 * AggregatorRegistry): counters and histograms summed, gauges summed unless a metric says
 * otherwise (`kafka_rest_cluster_members`, which every worker sees the same, takes the largest).
 * A scrape that cannot be gathered (a worker that does not answer within prom-client's 5 s) answers
 * 503, so Prometheus records a failed scrape rather than a partial one that looks whole.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { ErrorCode, RestError } from '../errors.ts';

const REQUEST = 'kafka-rest:metrics-request';
const ANSWER = 'kafka-rest:metrics-answer';
/** Longer than prom-client's own 5 s for gathering the workers, so its error is the one reported. */
const ANSWER_TIMEOUT_MS = 7_000;
/** Scrapes waiting for the primary at once, per worker; more are refused at once. */
const MAX_PENDING = 8;

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}
interface MetricsAnswer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** In the primary: answers the workers' scrapes with every worker's metrics. */
export function serveWorkerMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return;
    const reply = (answer: Omit<MetricsAnswer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...answer } satisfies MetricsAnswer);
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: unknown) => reply({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/** In a worker: its registry is gathered by the primary, and `render` answers the whole machine's. */
export function machineMetrics(registry: Registry): { contentType: string; render(): Promise<string> } {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one makes prom-client answer the primary's requests for this worker's metrics.
  new AggregatorRegistry();
  const pending = new Map<number, (answer: MetricsAnswer) => void>();
  let next = 0;
  process.on('message', (message: unknown) => {
    if (isMessage<MetricsAnswer>(message, ANSWER)) pending.get(message.id)?.(message);
  });
  const unavailable = (why: string) => new RestError(ErrorCode.ServiceUnavailable, `The metrics of every worker could not be gathered: ${why}`, 503);
  return {
    contentType: registry.contentType,
    render: () =>
      new Promise<string>((resolve, reject) => {
        if (pending.size >= MAX_PENDING) return reject(unavailable('too many scrapes at once'));
        const id = next++;
        const timer = setTimeout(() => settle({ type: ANSWER, id, error: 'the primary process did not answer' }), ANSWER_TIMEOUT_MS).unref();
        const settle = (answer: MetricsAnswer) => {
          clearTimeout(timer);
          pending.delete(id);
          if (answer.text !== undefined) resolve(answer.text);
          else reject(unavailable(answer.error ?? 'no answer'));
        };
        pending.set(id, settle);
        if (!process.connected || !process.send) return settle({ type: ANSWER, id, error: 'the primary process is gone' });
        process.send({ type: REQUEST, id } satisfies MetricsRequest);
      }),
  };
}
