/**
 * Turns a kafkajs error into the Confluent error code a client would get from the Java proxy
 * (rest-utils KafkaExceptionMapper, and the per-record produce codes). kafkajs errors are told
 * apart by name and protocol error type, so this file needs no runtime import of kafkajs.
 * Messages keep Kafka's words but lose addresses and socket details (see client-message.ts):
 * kafkajs's own log lines, which the proxy logs, keep those.
 */
import { withoutInternals } from '../client-message.ts';
import { ErrorCode, httpStatusOf } from '../errors.ts';

export interface KafkaFailure {
  errorCode: number;
  status: number;
  message: string;
  retriable: boolean;
  /** The connection to the cluster is gone: the client must reconnect before it is useful again. */
  connectionLost: boolean;
}

interface KafkaJSLikeError {
  name?: string;
  type?: string;
  message?: string;
  retriable?: boolean;
  cause?: unknown;
  originalError?: unknown;
}

// A request timeout is not among them: one slow request fails its own records (50003), and the
// connection, still up, keeps serving the rest; reconnecting would fail everything queued too.
const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
]);

const BAD_REQUEST_TYPES = new Set([
  'INVALID_REPLICATION_FACTOR',
  'SECURITY_DISABLED',
  'UNSUPPORTED_VERSION',
  'INVALID_PARTITIONS',
  'INVALID_REQUEST',
  'UNKNOWN_SERVER_ERROR',
  'POLICY_VIOLATION',
  'TOPIC_ALREADY_EXISTS',
  'INVALID_CONFIG',
  'TOPIC_DELETION_DISABLED',
  'INVALID_TOPIC_EXCEPTION',
  // A commit the broker refuses for its content: the client's to fix, not worth retrying.
  'OFFSET_METADATA_TOO_LARGE',
  'INVALID_COMMIT_OFFSET_SIZE',
]);

/** What a client needs to know beyond Kafka's message to fix its request. */
const HINTS: Record<string, string> = {
  OFFSET_METADATA_TOO_LARGE: " (longer than the broker's offset.metadata.max.bytes)",
};

/** Follows kafkajs wrappers (retries exceeded, non-retriable) down to the error that says why. */
export function rootCause(error: unknown): KafkaJSLikeError {
  let current = error as KafkaJSLikeError;
  for (let depth = 0; depth < 5 && current; depth++) {
    const inner = current.originalError ?? current.cause;
    const isWrapper =
      current.name === 'KafkaJSNumberOfRetriesExceeded' || current.name === 'KafkaJSNonRetriableError';
    if (!isWrapper || !inner) break;
    current = inner as KafkaJSLikeError;
  }
  return current ?? {};
}

export function describeKafkaError(error: unknown): KafkaFailure {
  const cause = rootCause(error);
  const name = cause.name ?? '';
  const type = cause.type ?? '';
  const message = withoutInternals(cause.message ?? String(error)) + (HINTS[type] ?? '');
  const failure = (errorCode: number, retriable = false, connectionLost = false): KafkaFailure => ({
    errorCode,
    status: httpStatusOf(errorCode),
    message,
    retriable,
    connectionLost,
  });

  if (!name.startsWith('KafkaJS')) return { ...failure(ErrorCode.InternalServerError), message: 'Internal Server Error' };
  if (name === 'KafkaJSSASLAuthenticationError' || type.startsWith('SASL_AUTHENTICATION')) {
    return failure(ErrorCode.KafkaAuthentication);
  }
  if (type.endsWith('_AUTHORIZATION_FAILED')) return failure(ErrorCode.KafkaAuthorization);
  if (type === 'UNKNOWN_TOPIC_OR_PARTITION' || type === 'UNKNOWN_TOPIC_ID') {
    return failure(ErrorCode.UnknownTopicOrPartition, true);
  }
  if (type === 'BROKER_NOT_AVAILABLE') return failure(ErrorCode.BrokerNotAvailable, true);
  if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return failure(ErrorCode.PayloadTooLarge);
  if (BAD_REQUEST_TYPES.has(type)) return failure(ErrorCode.KafkaBadRequest);
  if (CONNECTION_ERRORS.has(name)) return failure(ErrorCode.KafkaRetriableError, true, true);
  if (cause.retriable) return failure(ErrorCode.KafkaRetriableError, true);
  return failure(ErrorCode.KafkaError);
}

/** Kafka refused the client itself (authentication or authorization): retrying will not change that. */
export const isRefusal = (failure: KafkaFailure) => failure.errorCode === ErrorCode.KafkaAuthentication || failure.errorCode === ErrorCode.KafkaAuthorization;

/** The failure when it is Kafka's refusal of the client (see isRefusal), else null. */
export function kafkaRefusal(error: unknown): KafkaFailure | null {
  const failure = describeKafkaError(error);
  return isRefusal(failure) ? failure : null;
}

/**
 * The per-record code of a failed produce (Confluent's AbstractProduceAction): authentication and
 * authorization keep their codes, anything else is 50003 when worth retrying, else 50002.
 */
export function produceErrorCode(failure: KafkaFailure): number {
  if (isRefusal(failure)) return failure.errorCode;
  return failure.retriable ? ErrorCode.KafkaRetriableError : ErrorCode.KafkaError;
}
