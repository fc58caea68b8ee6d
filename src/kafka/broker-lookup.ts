/**
 * kafkajs builds every request with its broker's `lookupRequest(apiKey, definitions)`, and puts a
 * fresh one in place each time the broker connects. Wrapping it in place would be undone by the
 * next connect, and two wrappers installed one after the other would undo each other; so the
 * property becomes an accessor that keeps kafkajs's latest lookup and answers it wrapped by every
 * interceptor given, in the order given.
 */

export type RequestBuilder = (request: Record<string, unknown>) => unknown;
export type RequestLookup = (apiKey: number, definitions: unknown) => RequestBuilder;

/** The part of kafkajs 2.2.4's Broker this needs (kafkajs is pinned exactly). */
export interface LookupBroker {
  lookupRequest: RequestLookup;
}

interface Intercepted {
  raw: RequestLookup;
  wrappers: Array<(lookup: RequestLookup) => RequestLookup>;
  composed: RequestLookup;
}

const intercepted = new WeakMap<object, Intercepted>();

export function interceptLookups(broker: LookupBroker, wrap: (lookup: RequestLookup) => RequestLookup): void {
  let state = intercepted.get(broker);
  if (!state) {
    const created: Intercepted = { raw: broker.lookupRequest, wrappers: [], composed: broker.lookupRequest };
    state = created;
    intercepted.set(broker, created);
    Object.defineProperty(broker, 'lookupRequest', {
      configurable: true,
      enumerable: true,
      get: () => created.composed,
      set: (raw: RequestLookup) => {
        created.raw = raw;
        created.composed = compose(broker, created);
      },
    });
  }
  state.wrappers.push(wrap);
  state.composed = compose(broker, state);
}

function compose(broker: LookupBroker, state: Intercepted): RequestLookup {
  const base: RequestLookup = (apiKey, definitions) => state.raw.call(broker, apiKey, definitions);
  return state.wrappers.reduce((lookup, wrap) => wrap(lookup), base);
}

/** A request as kafkajs's lookup builds it: what to send, and how to read the answer. */
export interface BuiltRequest {
  request: { apiVersion: number; encode(): Promise<unknown> };
  response: { decode(raw: Buffer): Promise<unknown>; parse(data: unknown): Promise<unknown> };
}

/** The part of kafkajs 2.2.4's Cluster this needs: the pool that creates its brokers. */
export interface BrokerFactory {
  brokerPool: { createBroker(options: object): LookupBroker };
}

/**
 * On every broker the cluster creates, each request of API `apiKey` that kafkajs builds is handed
 * to `rewrite` with the arguments it was built from; what `rewrite` answers is what kafkajs sends.
 */
export function interceptApi<C extends BrokerFactory>(cluster: C, apiKey: number, rewrite: (built: BuiltRequest, args: Record<string, unknown>) => BuiltRequest): C {
  const pool = cluster.brokerPool;
  const createBroker = pool.createBroker.bind(pool);
  const intercept =
    (lookup: RequestLookup): RequestLookup =>
    (key, definitions) => {
      const build = lookup(key, definitions);
      return key === apiKey ? (args) => rewrite(build(args) as BuiltRequest, args) : build;
    };
  pool.createBroker = (options) => {
    const broker = createBroker(options);
    interceptLookups(broker, intercept);
    return broker;
  };
  return cluster;
}
