/**
 * Prometheus metrics for one proxy. Each ProxyMetrics owns its own prom-client Registry (never the
 * global one), so several proxies in one process (tests) keep separate values. Every label value
 * is bounded: HTTP routes are @koa/router templates (or `unmatched`), methods a fixed list (or
 * `other`), and user-given topic names are capped per metric (beyond the cap they count as `other`).
 */
import type { Context, Middleware, Next } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ProxyMetricsOptions {
  /** Process and Node.js metrics (CPU, memory, event loop lag, GC, handles). */
  collectProcessMetrics: boolean;
  /** Distinct topic label values per metric before further topics count as `other` (default 1000). */
  maxTopicLabels?: number;
}

export type StateGaugeName = 'consumer_instances' | 'producer_slots';

export const UNMATCHED_ROUTE = 'unmatched';
export const OTHER_LABEL = 'other';
const DEFAULT_MAX_TOPIC_LABELS = 1000;

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE']);
/** From 1 ms to a minute: consumer reads long-poll for up to their request timeout. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** A WAL append with synchronous=NORMAL takes tens of microseconds; the tail shows checkpoints and contention. */
const JOURNAL_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/** Keeps a label's distinct values bounded: the first `max` values are kept, later ones become `other`. */
class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(private readonly max: number) {}

  value(given: string): string {
    if (this.seen.has(given)) return given;
    if (this.seen.size >= this.max) return OTHER_LABEL;
    this.seen.add(given);
    return given;
  }
}

export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly producedRecords: Counter<'topic'>;
  private readonly producedBytes: Counter<'topic'>;
  private readonly produceErrors: Counter<'error_code'>;
  private readonly produceDropped: Counter<'reason'>;
  private readonly produceExpiredInFlight: Counter;
  private readonly producerRenewals: Counter;
  private producerBufferSample: (() => number) | null = null;
  private principalClientsSample: (() => number) | null = null;
  private readonly consumedRecords: Counter<'topic'>;
  private readonly consumedBytes: Counter<'topic'>;
  private readonly journalAppend: Histogram;
  private readonly journalWriteErrors: Counter<'code'>;
  private readonly journalLostEvents: Gauge;
  private readonly uncaughtErrors: Counter<'kind'>;
  private readonly producedTopics: BoundedLabel;
  private readonly consumedTopics: BoundedLabel;
  private readonly samplers = new Map<StateGaugeName, () => Record<string, number>>();

  constructor(options: ProxyMetricsOptions) {
    const registers = [this.registry];
    const maxTopics = options.maxTopicLabels ?? DEFAULT_MAX_TOPIC_LABELS;
    this.producedTopics = new BoundedLabel(maxTopics);
    this.consumedTopics = new BoundedLabel(maxTopics);
    if (options.collectProcessMetrics) collectDefaultMetrics({ register: this.registry });

    this.httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.producedRecords = new Counter({
      name: 'kafka_rest_produced_records_total',
      help: 'Records acknowledged by Kafka, by topic.',
      labelNames: ['topic'],
      registers,
    });
    this.producedBytes = new Counter({
      name: 'kafka_rest_produced_bytes_total',
      help: 'Key and value bytes of the records acknowledged by Kafka, by topic.',
      labelNames: ['topic'],
      registers,
    });
    this.produceErrors = new Counter({
      name: 'kafka_rest_produce_errors_total',
      help: 'Records that failed to produce, by Confluent error code.',
      labelNames: ['error_code'],
      registers,
    });
    this.produceDropped = new Counter({
      name: 'kafka_rest_produce_dropped_records_total',
      help: 'Records dropped unsent from a producer slot queue: their delivery timeout passed (delivery_timeout) or their client went away (client_gone).',
      labelNames: ['reason'],
      registers,
    });
    this.produceExpiredInFlight = new Counter({
      name: 'kafka_rest_produce_expired_in_flight_records_total',
      help: 'Records answered 50003 at their delivery timeout while already sent to Kafka: they may still be written.',
      registers,
    });
    this.producerRenewals = new Counter({
      name: 'kafka_rest_producer_renewals_total',
      help: 'Idempotent producers replaced by a fresh one (new producer id) after a failed send.',
      registers,
    });
    const buffer = () => this.producerBufferSample;
    new Gauge({
      name: 'kafka_rest_producer_buffer_bytes',
      help: 'Bytes of records the producer pool holds, queued or in flight (bounded by producer.buffer.memory).',
      registers,
      collect() {
        const sample = buffer();
        if (sample) this.set(sample());
      },
    });
    const principals = () => this.principalClientsSample;
    new Gauge({
      name: 'kafka_rest_principal_clients',
      help: 'Principals whose own Kafka clients are open (principal propagation; bounded by principal.clients.max).',
      registers,
      collect() {
        const sample = principals();
        if (sample) this.set(sample());
      },
    });
    this.consumedRecords = new Counter({
      name: 'kafka_rest_consumed_records_total',
      help: 'Records delivered to consumer instance clients, by topic.',
      labelNames: ['topic'],
      registers,
    });
    this.consumedBytes = new Counter({
      name: 'kafka_rest_consumed_bytes_total',
      help: 'Key and value bytes of the records delivered to consumer instance clients, by topic.',
      labelNames: ['topic'],
      registers,
    });
    this.journalAppend = new Histogram({
      name: 'kafka_rest_journal_append_seconds',
      help: 'Time to append one event to the SQLite journal.',
      buckets: JOURNAL_BUCKETS,
      registers,
    });
    this.journalWriteErrors = new Counter({
      name: 'kafka_rest_journal_write_errors_total',
      help: 'Journal writes the storage refused (readiness probes included), by SQLite error code (SQLITE_FULL, SQLITE_IOERR_WRITE, ...).',
      labelNames: ['code'],
      registers,
    });
    this.journalLostEvents = new Gauge({
      name: 'kafka_rest_journal_lost_events',
      help: 'Journal events found missing at start-up (a deleted or damaged -wal file, an older database put back): 0 when none.',
      registers,
    });
    this.uncaughtErrors = new Counter({
      name: 'kafka_rest_uncaught_errors_total',
      help: 'Errors no handler caught, by kind: storage (the process keeps running) or other (it exits).',
      labelNames: ['kind'],
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric of this proxy. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Koa middleware counting and timing requests; the route label is the matched router template. */
  httpMiddleware(): Middleware {
    return async (ctx: Context, next: Next): Promise<void> => {
      const started = process.hrtime.bigint();
      let status: number | undefined;
      try {
        await next();
      } catch (error) {
        status = thrownStatus(error);
        throw error;
      } finally {
        const labels = { method: methodLabel(ctx.method), route: routeLabel(ctx), status: String(status ?? ctx.status) };
        this.httpRequests.inc(labels);
        this.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      }
    };
  }

  recordProduced(topic: string, records: number, bytes: number): void {
    const label = { topic: this.producedTopics.value(topic) };
    this.producedRecords.inc(label, records);
    this.producedBytes.inc(label, bytes);
  }

  recordProduceErrors(errorCode: number, records: number): void {
    this.produceErrors.inc({ error_code: String(errorCode) }, records);
  }

  recordProduceDropped(reason: 'delivery_timeout' | 'client_gone', records: number): void {
    this.produceDropped.inc({ reason }, records);
  }

  recordProduceExpiredInFlight(records: number): void {
    this.produceExpiredInFlight.inc(records);
  }

  recordProducerRenewal(): void {
    this.producerRenewals.inc();
  }

  /** The producer pool's buffered bytes, read at scrape time. */
  trackProducerBuffer(sample: () => number): void {
    this.producerBufferSample = sample;
  }

  /** With principal propagation: how many principals have open clients, read at scrape time. */
  trackPrincipalClients(sample: () => number): void {
    this.principalClientsSample = sample;
  }

  recordConsumed(topic: string, records: number, bytes: number): void {
    const label = { topic: this.consumedTopics.value(topic) };
    this.consumedRecords.inc(label, records);
    this.consumedBytes.inc(label, bytes);
  }

  observeJournalAppend(seconds: number): void {
    this.journalAppend.observe(seconds);
  }

  recordJournalWriteError(code: string): void {
    this.journalWriteErrors.inc({ code });
  }

  setJournalLostEvents(events: number): void {
    this.journalLostEvents.set(events);
  }

  recordUncaughtError(kind: 'storage' | 'other'): void {
    this.uncaughtErrors.inc({ kind });
  }

  /**
   * A gauge `kafka_rest_<name>{state}` whose values come from `sample()` at scrape time. Calling
   * it again for the same name replaces the sampler. States absent from a sample are not reported.
   */
  trackStates(name: StateGaugeName, sample: () => Record<string, number>): void {
    const registered = this.samplers.has(name);
    this.samplers.set(name, sample);
    if (registered) return;
    const samplers = this.samplers;
    new Gauge({
      name: `kafka_rest_${name}`,
      help: name === 'consumer_instances' ? 'Consumer instances by session state.' : 'Producer slots by state.',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        this.reset();
        let values: Record<string, number>;
        try {
          values = samplers.get(name)!();
        } catch {
          return; // a failing sampler must not break the whole scrape
        }
        for (const [state, value] of Object.entries(values)) this.set({ state }, value);
      },
    });
  }
}

function methodLabel(method: string): string {
  const upper = method.toUpperCase();
  return HTTP_METHODS.has(upper) ? upper : OTHER_LABEL;
}

/** The status Koa answers an error thrown past the middleware with: its own, else 500. */
function thrownStatus(error: unknown): number {
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  const given = status ?? statusCode;
  return typeof given === 'number' && given >= 400 && given < 600 ? given : 500;
}

function routeLabel(ctx: Context): string {
  const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
  if (matched === undefined) return UNMATCHED_ROUTE;
  return typeof matched === 'string' ? matched : String(matched);
}
