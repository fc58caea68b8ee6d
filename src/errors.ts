/**
 * The Confluent REST error model: every error is `{"error_code", "message"}`, where error_code is
 * an HTTP status or a five-digit code whose first three digits are (usually) the status.
 * One table of the codes the proxy raises, with Confluent's numbers and wording.
 */
export const ErrorCode = {
  BadRequest: 400,
  KafkaBadRequest: 40002,
  KafkaAuthentication: 40101,
  KafkaAuthorization: 40301,
  NotFound: 404,
  TopicNotFound: 40401,
  PartitionNotFound: 40402,
  ConsumerInstanceNotFound: 40403, // also Kafka's UnknownTopicOrPartition, as in Confluent
  UnknownTopicOrPartition: 40403,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  ConsumerFormatMismatch: 40601,
  Serialization: 40801,
  ConsumerAlreadyExists: 40902,
  IllegalState: 40903,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  UnprocessableEntity: 422,
  KeySchemaMissing: 42201,
  ValueSchemaMissing: 42202,
  InvalidConsumerConfig: 42204,
  InvalidSchema: 42205,
  InvalidPayload: 42206,
  SerializationFailed: 42207,
  KafkaTooManyRequests: 42901,
  InternalServerError: 500,
  KafkaError: 50002,
  KafkaRetriableError: 50003,
  BrokerNotAvailable: 50302,
  /** Not Confluent's: the proxy's journal cannot be written (disk full, I/O error); see docs/COMPATIBILITY.md. */
  JournalUnavailable: 50303,
  /** Not Confluent's: in cluster mode, the instance's partition is changing owner; retry (docs/CLUSTER.md). */
  SessionMoving: 50304,
  ServiceUnavailable: 503,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** HTTP status for an error code: the first three digits, except Confluent's two oddities. */
export function httpStatusOf(errorCode: number): number {
  if (errorCode === 40001) return 422;
  if (errorCode === 50301) return 500;
  return errorCode >= 10000 ? Math.floor(errorCode / 100) : errorCode;
}

export class RestError extends Error {
  readonly status: number;

  constructor(
    readonly errorCode: number,
    message: string,
    status?: number,
  ) {
    super(message);
    this.name = 'RestError';
    this.status = status ?? httpStatusOf(errorCode);
  }

  toJSON(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

/** The errors raised in more than one place, worded as Confluent words them. */
export const Errors = {
  notFound: () => new RestError(ErrorCode.NotFound, 'HTTP 404 Not Found'),
  methodNotAllowed: () => new RestError(ErrorCode.MethodNotAllowed, 'HTTP 405 Method Not Allowed'),
  notAcceptable: () => new RestError(ErrorCode.NotAcceptable, 'HTTP 406 Not Acceptable'),
  unsupportedMediaType: () => new RestError(ErrorCode.UnsupportedMediaType, 'HTTP 415 Unsupported Media Type'),
  topicNotFound: (topic: string) =>
    new RestError(ErrorCode.UnknownTopicOrPartition, `This server does not host this topic-partition. (topic ${topic})`),
  partitionNotFound: () => new RestError(ErrorCode.PartitionNotFound, 'Partition not found.'),
  consumerInstanceNotFound: () => new RestError(ErrorCode.ConsumerInstanceNotFound, 'Consumer instance not found.'),
  badRequest: (detail: string) => new RestError(ErrorCode.BadRequest, `Bad Request: ${detail}`),
  unprocessable: (message: string) => new RestError(ErrorCode.UnprocessableEntity, message),
  internal: () => new RestError(ErrorCode.InternalServerError, 'Internal Server Error'),
};
