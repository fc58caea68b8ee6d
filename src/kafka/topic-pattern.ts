/**
 * Subscription patterns, matched the way Java's consumer matches them (the whole topic name,
 * never an internal topic) but with RE2 (re2js): matching takes time linear in the topic name,
 * so a client's pattern such as `(a+)+b` cannot freeze the event loop as a backtracking
 * JavaScript RegExp would. RE2 has no lookarounds or backreferences; such patterns are refused.
 */
import { RE2JS, RE2JSException, RE2JSSyntaxException } from 're2js';

/** Kafka's own topics: a pattern never matches them (Java's exclude.internal.topics=true). */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

/** Longest accepted pattern: ample for real subscriptions, and it bounds compilation work. */
export const MAX_TOPIC_PATTERN_LENGTH = 1024;

/** Kafka's rule for topic names (org.apache.kafka.common.internals.Topic.validate). */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function isLegalTopicName(name: string): boolean {
  return TOPIC_NAME.test(name) && name !== '.' && name !== '..';
}

export interface TopicPattern {
  readonly source: string;
  /** True when the pattern matches the whole name and the topic is not internal. */
  matches(topic: string): boolean;
}

export class TopicPatternError extends Error {
  constructor(
    readonly pattern: string,
    /** Why the pattern was refused, for a human. */
    readonly reason: string,
  ) {
    super(`Invalid topic pattern ${excerpt(pattern)}: ${reason}`);
    this.name = 'TopicPatternError';
  }
}

/** Compiles a client's pattern; throws TopicPatternError when it is not usable. */
export function compileTopicPattern(pattern: string): TopicPattern {
  if (pattern.length > MAX_TOPIC_PATTERN_LENGTH) {
    throw new TopicPatternError(pattern, `it is ${pattern.length} characters long, the limit is ${MAX_TOPIC_PATTERN_LENGTH}`);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (error) {
    if (error instanceof RE2JSException) throw new TopicPatternError(pattern, explain(error));
    throw error;
  }
  return {
    source: pattern,
    // testExact anchors at both ends, as Java's Matcher.matches() does.
    matches: (topic) => !INTERNAL_TOPICS.has(topic) && re.testExact(topic),
  };
}

/** RE2's wording, with the Java/JavaScript features it lacks named plainly. */
function explain(error: RE2JSException): string {
  if (!(error instanceof RE2JSSyntaxException)) return error.message;
  const at = error.input ?? '';
  if (/^\(\?<?[=!]/.test(at)) return 'lookahead and lookbehind assertions ((?=, (?!, (?<=, (?<!) are not supported';
  if (/^\\([1-9]|k)/.test(at)) return 'backreferences (\\1, \\k<name>) are not supported';
  if (/^\(\?>/.test(at)) return 'atomic groups ((?>...)) are not supported';
  if (/^(?:[*+?]|\{\d+(?:,\d*)?\})\+/.test(at)) return 'possessive quantifiers (*+, ++, ?+) are not supported';
  const description = error.getDescription();
  return at === '' ? description : `${description} at ${excerpt(at)}`;
}

/** Quotes a pattern for a message, cut short so a huge one does not fill the response. */
function excerpt(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
