import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import kafkajs from 'kafkajs';
import { ErrorCode, RestError, httpStatusOf } from '../../src/errors.ts';
import { describeKafkaError, produceErrorCode, rootCause, type KafkaFailure } from '../../src/kafka/kafka-error.ts';

const protocolError = (type: string, retriable: boolean, message = `${type} message`) => ({
  name: 'KafkaJSProtocolError',
  type,
  message,
  retriable,
});

describe('httpStatusOf', () => {
  test("Confluent's two oddities", () => {
    assert.equal(httpStatusOf(40001), 422);
    assert.equal(httpStatusOf(50301), 500);
  });

  test('five-digit codes use their first three digits', () => {
    assert.equal(httpStatusOf(40403), 404);
    assert.equal(httpStatusOf(40101), 401);
    assert.equal(httpStatusOf(40301), 403);
    assert.equal(httpStatusOf(40801), 408);
    assert.equal(httpStatusOf(42201), 422);
    assert.equal(httpStatusOf(50002), 500);
    assert.equal(httpStatusOf(50003), 500);
    assert.equal(httpStatusOf(50302), 503);
  });

  test('plain HTTP statuses are themselves', () => {
    for (const status of [400, 404, 405, 406, 413, 415, 422, 429, 500, 502, 503]) assert.equal(httpStatusOf(status), status);
  });

  test('RestError takes its status from the code unless given one', () => {
    assert.equal(new RestError(40001, 'x').status, 422);
    assert.equal(new RestError(40403, 'x').status, 404);
    assert.equal(new RestError(50003, 'x', 503).status, 503);
    assert.deepEqual(new RestError(40403, 'Consumer instance not found.').toJSON(), {
      error_code: 40403,
      message: 'Consumer instance not found.',
    });
  });
});

describe('describeKafkaError (plain kafkajs-shaped objects)', () => {
  test('TOPIC_AUTHORIZATION_FAILED → 40301 / 403, not retriable', () => {
    const failure = describeKafkaError(protocolError('TOPIC_AUTHORIZATION_FAILED', false, 'Not authorized to access topics'));
    assert.deepEqual(failure, {
      errorCode: 40301,
      status: 403,
      message: 'Not authorized to access topics',
      retriable: false,
      connectionLost: false,
    });
  });

  test('other *_AUTHORIZATION_FAILED types are 40301 too', () => {
    for (const type of ['GROUP_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']) {
      assert.equal(describeKafkaError(protocolError(type, false)).errorCode, 40301, type);
    }
  });

  test('SASL authentication → 40101 / 401, by class name or by protocol type', () => {
    const byName = describeKafkaError({ name: 'KafkaJSSASLAuthenticationError', message: 'SASL PLAIN authentication failed' });
    assert.deepEqual(
      [byName.errorCode, byName.status, byName.message, byName.retriable],
      [40101, 401, 'SASL PLAIN authentication failed', false],
    );
    assert.equal(describeKafkaError(protocolError('SASL_AUTHENTICATION_FAILED', false)).errorCode, 40101);
  });

  test('UNKNOWN_TOPIC_OR_PARTITION → 40403 / 404, retriable', () => {
    const failure = describeKafkaError(protocolError('UNKNOWN_TOPIC_OR_PARTITION', true, 'This server does not host this topic-partition'));
    assert.deepEqual(failure, {
      errorCode: 40403,
      status: 404,
      message: 'This server does not host this topic-partition',
      retriable: true,
      connectionLost: false,
    });
    assert.equal(describeKafkaError(protocolError('UNKNOWN_TOPIC_ID', true)).errorCode, 40403);
  });

  test('the rest of the §3.2 table', () => {
    const cases: Array<[string, boolean, number, number]> = [
      ['BROKER_NOT_AVAILABLE', true, 50302, 503],
      ['MESSAGE_TOO_LARGE', false, 413, 413],
      ['RECORD_LIST_TOO_LARGE', false, 413, 413],
      ['INVALID_REPLICATION_FACTOR', false, 40002, 400],
      ['SECURITY_DISABLED', false, 40002, 400],
      ['UNSUPPORTED_VERSION', false, 40002, 400],
      ['INVALID_PARTITIONS', false, 40002, 400],
      ['INVALID_REQUEST', false, 40002, 400],
      ['UNKNOWN_SERVER_ERROR', false, 40002, 400],
      ['POLICY_VIOLATION', false, 40002, 400],
      ['TOPIC_ALREADY_EXISTS', false, 40002, 400],
      ['INVALID_CONFIG', false, 40002, 400],
      ['TOPIC_DELETION_DISABLED', false, 40002, 400],
      ['INVALID_TOPIC_EXCEPTION', false, 40002, 400],
      // Everything else: retriable → 50003, not retriable → 50002.
      ['LEADER_NOT_AVAILABLE', true, 50003, 500],
      ['NOT_LEADER_FOR_PARTITION', true, 50003, 500],
      ['REQUEST_TIMED_OUT', true, 50003, 500],
      ['CORRUPT_MESSAGE', false, 50002, 500],
      ['INVALID_REQUIRED_ACKS', false, 50002, 500],
    ];
    for (const [type, retriable, errorCode, status] of cases) {
      const failure = describeKafkaError(protocolError(type, retriable));
      assert.deepEqual([failure.errorCode, failure.status], [errorCode, status], type);
      assert.equal(failure.connectionLost, false, type);
      assert.equal(failure.message, `${type} message`, type);
    }
  });

  test('connection-level errors are retriable 50003 and mark the connection lost', () => {
    for (const name of [
      'KafkaJSConnectionError',
      'KafkaJSConnectionClosedError',
      'KafkaJSBrokerNotFound',
      'KafkaJSLockTimeout',
    ]) {
      const failure = describeKafkaError({ name, message: 'Connection error: connect ECONNREFUSED', retriable: true });
      assert.deepEqual(failure, {
        errorCode: 50003,
        status: 500,
        message: 'Connection error: connection refused', // socket details are not for clients
        retriable: true,
        connectionLost: true,
      }, name);
    }
  });

  test('a request timeout is retriable 50003 but leaves the connection up', () => {
    const failure = describeKafkaError({ name: 'KafkaJSRequestTimeoutError', message: 'Request Produce(key: 0, version: 7) timed out', retriable: true });
    assert.deepEqual([failure.errorCode, failure.retriable, failure.connectionLost], [50003, true, false]);
  });

  test('another retriable KafkaJS error → 50003 without losing the connection; non-retriable → 50002', () => {
    const retriable = describeKafkaError({ name: 'KafkaJSError', message: 'hmm', retriable: true });
    assert.deepEqual([retriable.errorCode, retriable.retriable, retriable.connectionLost], [50003, true, false]);
    const fatal = describeKafkaError({ name: 'KafkaJSNonRetriableError', message: 'Invalid topic', retriable: false });
    assert.deepEqual([fatal.errorCode, fatal.status, fatal.retriable, fatal.message], [50002, 500, false, 'Invalid topic']);
    assert.equal(describeKafkaError({ name: 'KafkaJSError', message: 'no flag' }).errorCode, 50002);
  });

  test('KafkaJSNumberOfRetriesExceeded is looked through, via originalError or cause', () => {
    const inner = protocolError('TOPIC_AUTHORIZATION_FAILED', false, 'denied');
    for (const link of ['originalError', 'cause'] as const) {
      const wrapped = { name: 'KafkaJSNumberOfRetriesExceeded', message: 'wrapper', retriable: false, [link]: inner };
      const failure = describeKafkaError(wrapped);
      assert.deepEqual([failure.errorCode, failure.status, failure.message], [40301, 403, 'denied'], link);
    }
    // A retriable cause keeps the retry verdict of the cause, not the wrapper's retriable: false.
    const timeout = describeKafkaError({
      name: 'KafkaJSNumberOfRetriesExceeded',
      message: 'wrapper',
      retriable: false,
      cause: protocolError('LEADER_NOT_AVAILABLE', true, 'leader not available'),
    });
    assert.deepEqual([timeout.errorCode, timeout.retriable, timeout.message], [50003, true, 'leader not available']);
    // A connection failure after retries still means the connection is gone.
    const conn = describeKafkaError({
      name: 'KafkaJSNumberOfRetriesExceeded',
      message: 'wrapper',
      cause: { name: 'KafkaJSConnectionError', message: 'ECONNREFUSED', retriable: true },
    });
    assert.deepEqual([conn.errorCode, conn.connectionLost], [50003, true]);
  });

  test('nested wrappers are followed; a wrapper with nothing inside is the error itself', () => {
    const nested = {
      name: 'KafkaJSNonRetriableError',
      message: 'outer',
      cause: { name: 'KafkaJSNumberOfRetriesExceeded', message: 'middle', originalError: protocolError('UNKNOWN_TOPIC_OR_PARTITION', true) },
    };
    assert.equal(describeKafkaError(nested).errorCode, 40403);
    assert.equal(rootCause(nested).type, 'UNKNOWN_TOPIC_OR_PARTITION');
    const empty = { name: 'KafkaJSNumberOfRetriesExceeded', message: 'gave up', retriable: false };
    assert.equal(rootCause(empty), empty);
    assert.equal(describeKafkaError(empty).errorCode, 50002);
  });

  test('only wrappers are unwrapped: a protocol error with a cause keeps its own type', () => {
    const error = { ...protocolError('TOPIC_AUTHORIZATION_FAILED', false), cause: protocolError('UNKNOWN_TOPIC_OR_PARTITION', true) };
    assert.equal(describeKafkaError(error).errorCode, 40301);
  });

  test('a wrapper loop does not hang', () => {
    const a: Record<string, unknown> = { name: 'KafkaJSNumberOfRetriesExceeded', message: 'a' };
    const b: Record<string, unknown> = { name: 'KafkaJSNonRetriableError', message: 'b', cause: a };
    a.cause = b;
    assert.equal(describeKafkaError(a).errorCode, 50002);
  });

  test('a non-Kafka error → 500 "Internal Server Error", hiding its message', () => {
    for (const error of [new Error('secret detail'), new TypeError('x is undefined'), 'a string', 42, null, undefined, {}]) {
      assert.deepEqual(
        describeKafkaError(error),
        { errorCode: 500, status: 500, message: 'Internal Server Error', retriable: false, connectionLost: false },
        String(error),
      );
    }
  });

  test('a non-Kafka error inside a kafkajs wrapper is still a 500', () => {
    const failure = describeKafkaError({ name: 'KafkaJSNonRetriableError', message: 'w', cause: new RangeError('bug') });
    assert.deepEqual([failure.errorCode, failure.message], [500, 'Internal Server Error']);
  });
});

describe('describeKafkaError (real kafkajs error classes)', () => {
  const withType = (message: string, type: string, code: number, retriable: boolean) =>
    Object.assign(new Error(message), { type, code, retriable });

  test('a protocol error wrapped by the retrier as non-retriable', () => {
    const inner = new kafkajs.KafkaJSProtocolError(withType('Not authorized to access topics', 'TOPIC_AUTHORIZATION_FAILED', 29, false));
    // What kafkajs's retrier does with a non-retriable error: new KafkaJSNonRetriableError(e, { cause: e }).
    const NonRetriable = kafkajs.KafkaJSNonRetriableError as unknown as new (e: Error, metadata: { cause: Error }) => Error;
    const wrapped = new NonRetriable(inner, { cause: inner });
    assert.equal(wrapped.name, 'KafkaJSNonRetriableError');
    const failure = describeKafkaError(wrapped);
    assert.deepEqual([failure.errorCode, failure.status, failure.message], [40301, 403, 'Not authorized to access topics']);
  });

  test('retries exceeded on an unknown topic', () => {
    const inner = new kafkajs.KafkaJSProtocolError(
      withType('This server does not host this topic-partition', 'UNKNOWN_TOPIC_OR_PARTITION', 3, true),
    );
    const wrapped = new kafkajs.KafkaJSNumberOfRetriesExceeded(inner, { retryCount: 5, retryTime: 100 });
    const failure = describeKafkaError(wrapped);
    assert.deepEqual([failure.errorCode, failure.retriable], [40403, true]);
    assert.equal(produceErrorCode(failure), 50003);
  });

  test('connection and SASL errors by their real class names', () => {
    const conn = describeKafkaError(new kafkajs.KafkaJSConnectionError('Connection error: ECONNREFUSED'));
    assert.deepEqual([conn.errorCode, conn.connectionLost, conn.message], [50003, true, 'Connection error: connection refused']);
    const SASL = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
    assert.equal(describeKafkaError(new SASL('SASL SCRAM-SHA-256 authentication failed')).errorCode, 40101);
  });
});

describe('produceErrorCode', () => {
  const failure = (errorCode: number, retriable: boolean): KafkaFailure => ({
    errorCode,
    status: httpStatusOf(errorCode),
    message: 'm',
    retriable,
    connectionLost: false,
  });

  test('authentication and authorization keep their codes, retriable or not', () => {
    assert.equal(produceErrorCode(failure(ErrorCode.KafkaAuthentication, false)), 40101);
    assert.equal(produceErrorCode(failure(ErrorCode.KafkaAuthorization, false)), 40301);
    assert.equal(produceErrorCode(failure(ErrorCode.KafkaAuthorization, true)), 40301);
  });

  test('anything retriable → 50003', () => {
    for (const code of [40403, 50302, 50003, 500]) assert.equal(produceErrorCode(failure(code, true)), 50003, String(code));
  });

  test('anything else → 50002', () => {
    for (const code of [413, 40002, 50002, 500, 40403]) assert.equal(produceErrorCode(failure(code, false)), 50002, String(code));
  });

  test('end to end: missing topic after retries is 50003 per record, denied write is 40301', () => {
    const missing = describeKafkaError({
      name: 'KafkaJSNumberOfRetriesExceeded',
      cause: protocolError('UNKNOWN_TOPIC_OR_PARTITION', true),
    });
    assert.equal(produceErrorCode(missing), 50003);
    assert.equal(produceErrorCode(describeKafkaError(protocolError('TOPIC_AUTHORIZATION_FAILED', false))), 40301);
    assert.equal(produceErrorCode(describeKafkaError(protocolError('MESSAGE_TOO_LARGE', false))), 50002);
  });
});
