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
