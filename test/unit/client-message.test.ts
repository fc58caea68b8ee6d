import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { causeText, withoutInternals } from '../../src/client-message.ts';

describe('withoutInternals', () => {
  test('socket errors lose their syscall, errno and address, keeping what happened', () => {
    const cases: Array<[string, string]> = [
      ['Connection error: connect ECONNREFUSED 127.0.0.1:43407', 'Connection error: connection refused'],
      ['Connection error: connect ECONNREFUSED ::1:9092', 'Connection error: connection refused'],
      ['Connection error: connect ECONNREFUSED [::1]:9092', 'Connection error: connection refused'],
      ['Connection error: read ECONNRESET', 'Connection error: connection reset'],
      ['Connection error: connect ETIMEDOUT 10.0.0.7:9092', 'Connection error: connection timed out'],
      ['Connection error: getaddrinfo ENOTFOUND kafka', 'Connection error: host name not found'],
      ['Connection error: getaddrinfo EAI_AGAIN kafka-0.kafka.svc:9092', 'Connection error: host name lookup failed'],
    ];
    for (const [given, expected] of cases) assert.equal(withoutInternals(given), expected);
  });

  test('addresses elsewhere in a message are replaced', () => {
    assert.equal(
      withoutInternals('Schema registry unreachable at http://10.1.2.3:8081/: connect ECONNREFUSED 10.1.2.3:8081'),
      'Schema registry unreachable at <address>: connection refused',
    );
    assert.equal(withoutInternals('Broker kafka-1.internal:9093 is down'), 'Broker <address> is down');
    assert.equal(withoutInternals('leader at 192.168.0.5 and 2001:db8::1'), 'leader at <address> and <address>');
  });

  test("Kafka's own messages, topic names, times and indexes are kept", () => {
    for (const message of [
      'Topic orders not present in metadata after 5000 ms.',
      'This server does not host this topic-partition',
      'no message type at message indexes [1, 0]',
      'The metadata field of the offset request was too large',
      'at 12:30:45 on 2020-10-01T12:00:00Z, offset 3 of my.topic-0',
    ]) {
      assert.equal(withoutInternals(message), message);
    }
  });

  test('stack lines and kafkajs advice to its own caller are dropped', () => {
    assert.equal(withoutInternals('Something broke\n    at Foo.bar (/srv/app/x.js:1:2)\n    at next'), 'Something broke');
    assert.equal(withoutInternals('Consumer group was not initialized, consumer#run must be called first'), 'The consumer has not joined its group yet.');
  });
});

describe('causeText', () => {
  test("JavaScript's runtime errors are replaced by the fallback; other errors keep their (cleaned) message", () => {
    assert.equal(causeText(new RangeError('Maximum call stack size exceeded'), 'fallback'), 'fallback');
    assert.equal(causeText(new TypeError("Cannot read properties of undefined (reading 'x')"), 'fallback'), 'fallback');
    assert.equal(causeText('a string', 'fallback'), 'fallback');
    assert.equal(causeText(new Error('invalid "int": "x"'), 'fallback'), 'invalid "int": "x"');
    assert.equal(causeText(new Error('unreachable at 10.0.0.1:80'), 'fallback'), 'unreachable at <address>');
  });
});
