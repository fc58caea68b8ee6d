/**
 * What of an error's message a client may read. Kafka's own error names and messages are kept;
 * what only concerns the proxy's host is taken out: broker and registry addresses (host:port, URLs),
 * socket errno details (`connect ECONNREFUSED 10.0.0.7:9092` → `connection refused`), stack lines,
 * kafkajs's advice to its own callers, and the text of JavaScript runtime errors (a RangeError's
 * "Maximum call stack size exceeded" says nothing a client can act on). The logs keep the detail.
 */

/** Socket errors as plain words (Node's errno codes, with the syscall and address they came with). */
const ERRNO_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EHOSTDOWN: 'host down',
  ENETDOWN: 'network down',
  EADDRNOTAVAIL: 'address not available',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
};

const HOST = String.raw`(?:\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*\]|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f.]+|\d{1,3}(?:\.\d{1,3}){3}|localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::\d{1,5})?`;
const LOOKUP_CODES = ['ENOTFOUND', 'EAI_AGAIN'];
const SOCKET_CODES = Object.keys(ERRNO_WORDS).filter((code) => !LOOKUP_CODES.includes(code));
// A failed lookup names the host it looked up, with or without a dot; other errors an address.
const LOOKUP_ERRNO = new RegExp(String.raw`(?:\b(?:getaddrinfo|lookup)\s+)?\b(${LOOKUP_CODES.join('|')})\b(?:\s+[\w.-]+(?::\d{1,5})?)?`, 'g');
const SOCKET_ERRNO = new RegExp(
  String.raw`(?:\b(?:connect|read|write|socket|send|recv)\s+)?\b(${SOCKET_CODES.join('|')})\b(?:\s+${HOST})?`,
  'g',
);
const URL_TEXT = /\b(?:https?|wss?):\/\/[^\s]*[^\s:;,.)'"]/gi;
const BRACKETED_IPV6 = /\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*\](?::\d{1,5})?/g;
// Bare IPv6: a "::" or at least four groups, not inside a word (so times like 12:30:45 stay).
const IPV6 = /(?<![\w:.])(?=[0-9A-Fa-f:.]*::|(?:[0-9A-Fa-f]{1,4}:){4})[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,8}(?:\.\d{1,3}){0,3}(?![\w:])/g;
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g;
const HOST_PORT = /\b(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+):\d{1,5}\b/g;
const STACK = /\n\s+at\s[\s\S]*$/;

/** kafkajs messages that speak to kafkajs's caller, in Kafka's terms instead. */
const KAFKAJS_ADVICE: ReadonlyArray<[RegExp, string]> = [
  [/^Consumer group was not initialized, consumer#run must be called first$/, 'The consumer has not joined its group yet.'],
];

export const ADDRESS_PLACEHOLDER = '<address>';

export function withoutInternals(message: string): string {
  let text = message.replace(STACK, '');
  for (const [pattern, replacement] of KAFKAJS_ADVICE) if (pattern.test(text)) return replacement;
  text = text
    .replace(LOOKUP_ERRNO, (_match, code: string) => ERRNO_WORDS[code]!)
    .replace(SOCKET_ERRNO, (_match, code: string) => ERRNO_WORDS[code]!)
    .replace(URL_TEXT, ADDRESS_PLACEHOLDER)
    .replace(BRACKETED_IPV6, ADDRESS_PLACEHOLDER)
    .replace(IPV6, ADDRESS_PLACEHOLDER)
    .replace(IPV4, ADDRESS_PLACEHOLDER)
    .replace(HOST_PORT, ADDRESS_PLACEHOLDER);
  return text;
}

/** JavaScript's own errors: their text describes the proxy's code, not the request. */
const RUNTIME_ERRORS = [RangeError, TypeError, ReferenceError, EvalError, URIError];

/** An error's message for a client, or `fallback` when it is a runtime error (or not an Error). */
export function causeText(error: unknown, fallback: string): string {
  if (!(error instanceof Error) || RUNTIME_ERRORS.some((type) => error instanceof type)) return fallback;
  return withoutInternals(error.message);
}
