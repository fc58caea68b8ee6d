import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compileTopicPattern,
  INTERNAL_TOPICS,
  isLegalTopicName,
  MAX_TOPIC_PATTERN_LENGTH,
  TopicPatternError,
} from '../../src/kafka/topic-pattern.ts';

/** Asserts compileTopicPattern refuses the pattern with a TopicPatternError whose reason matches. */
function refuses(pattern: string, reason: RegExp): TopicPatternError {
  let caught: unknown;
  try {
    compileTopicPattern(pattern);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof TopicPatternError, `expected a TopicPatternError for ${pattern}, got ${String(caught)}`);
  assert.equal(caught.pattern, pattern);
  assert.match(caught.reason, reason);
  assert.ok(caught.message.includes(caught.reason), caught.message);
  return caught;
}

describe('compileTopicPattern', () => {
  test('keeps the source', () => {
    assert.equal(compileTopicPattern('test.*').source, 'test.*');
  });

  test('matches the whole topic name, as Java’s Matcher.matches()', () => {
    const p = compileTopicPattern('test');
    assert.equal(p.matches('test'), true);
    for (const topic of ['test2', 'mytest', 'a-test-b']) assert.equal(p.matches(topic), false, topic);
    const prefix = compileTopicPattern('orders\\..*');
    assert.equal(prefix.matches('orders.eu'), true);
    assert.equal(prefix.matches('old-orders.eu'), false);
    // An alternative that matches only a prefix must not win: the whole name is matched.
    assert.equal(compileTopicPattern('a|ab').matches('ab'), true);
    // Explicit anchors are harmless.
    assert.equal(compileTopicPattern('^t[0-9]+$').matches('t42'), true);
    assert.equal(compileTopicPattern('^t[0-9]+$').matches('t42x'), false);
  });

  test('is case-sensitive by default, and honours inline flags', () => {
    assert.equal(compileTopicPattern('test').matches('TEST'), false);
    assert.equal(compileTopicPattern('(?i)test').matches('TEST'), true);
  });

  test('never matches an internal topic, even with .*', () => {
    assert.deepEqual([...INTERNAL_TOPICS].sort(), ['__consumer_offsets', '__share_group_state', '__transaction_state']);
    for (const pattern of ['.*', '__.*', '__consumer_offsets', '_+[a-z_]+']) {
      const p = compileTopicPattern(pattern);
      for (const internal of INTERNAL_TOPICS) assert.equal(p.matches(internal), false, `${pattern} vs ${internal}`);
    }
    // Other topics that merely look internal are ordinary topics.
    assert.equal(compileTopicPattern('__.*').matches('__my_topic'), true);
    assert.equal(compileTopicPattern('.*').matches('__consumer_offsets2'), true);
  });

  test('(a+)+b against long runs of a returns false: matching is linear (RE2), not backtracking', () => {
    // A backtracking engine (JavaScript's RegExp, kafkajs) needs ~2^n steps per name here and
    // would not finish within the test run; RE2 answers each at once.
    const p = compileTopicPattern('(a+)+b');
    const topics = Array.from({ length: 30 }, (_, i) => 'a'.repeat(30 + i));
    assert.deepEqual(
      topics.map((t) => p.matches(t)),
      topics.map(() => false),
    );
    assert.equal(p.matches('a'.repeat(248) + 'b'), true);
    assert.equal(compileTopicPattern('(x+x+)+y').matches('x'.repeat(249)), false);
  });

  test('refuses lookarounds and backreferences, which RE2 lacks', () => {
    refuses('(?=orders).*', /lookahead and lookbehind assertions .* are not supported/);
    refuses('(?!__).*', /lookahead and lookbehind/);
    refuses('.*(?<=-dlq)', /lookahead and lookbehind/);
    refuses('.*(?<!-dlq)', /lookahead and lookbehind/);
    refuses('(a)\\1', /backreferences .* are not supported/);
    refuses('(?<n>a)\\k<n>', /backreferences/);
    refuses('(?>a+)b', /atomic groups/);
    refuses('a*+b', /possessive quantifiers/);
  });

  test('refuses malformed patterns with RE2’s reason', () => {
    const e = refuses('test[', /missing closing \]/);
    assert.match(e.message, /^Invalid topic pattern "test\[": /);
    refuses('(unclosed', /missing closing \)/);
    refuses('a{1001}', /invalid repeat count/);
    refuses('x**', /invalid nested repetition/);
  });

  test(`refuses patterns longer than ${MAX_TOPIC_PATTERN_LENGTH} characters, quoting only their start`, () => {
    assert.equal(MAX_TOPIC_PATTERN_LENGTH, 1024);
    assert.equal(compileTopicPattern('a'.repeat(1024)).matches('a'.repeat(1024)), true);
    const e = refuses('a'.repeat(5000), /5000 characters long, the limit is 1024/);
    assert.ok(e.message.length < 200, e.message);
  });

  test('refuses patterns whose program would be too large', () => {
    refuses('(?:[a-z]{1,1000}){1,1000}', /expression too large/);
  });
});

describe('isLegalTopicName', () => {
  test('Kafka’s rule: 1-249 of [a-zA-Z0-9._-], not "." or ".."', () => {
    for (const name of ['t', 'a.B_c-9', '...', '__consumer_offsets', 'x'.repeat(249)]) assert.equal(isLegalTopicName(name), true, name);
    for (const name of ['', '.', '..', 'x'.repeat(250), 'a b', 'a/b', 'a:b', 'ü', 'a\n']) assert.equal(isLegalTopicName(name), false, name);
  });
});
