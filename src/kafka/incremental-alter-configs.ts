/**
 * Kafka's IncrementalAlterConfigs (API key 44, KIP-339), which kafkajs lacks: each config of a
 * resource is SET, DELETEd (back to what it inherits), APPENDed to or SUBTRACTed from on its own,
 * so a change never rewrites, or loses, the resource's other dynamic configs. Version 0, the last
 * non-flexible one (v1 only moves to compact strings and tagged fields, which kafkajs's request
 * headers cannot carry), encoded as Kafka's IncrementalAlterConfigsRequest.json defines it:
 *
 *   Request  => [Resources] ValidateOnly
 *     Resources => ResourceType:int8 ResourceName:string [Configs]
 *       Configs => Name:string ConfigOperation:int8 Value:nullable_string
 *     ValidateOnly => bool
 *   Response => ThrottleTimeMs:int32 [Responses]
 *     Responses => ErrorCode:int16 ErrorMessage:nullable_string ResourceType:int8 ResourceName:string
 *
 * (arrays: int32 count; strings: int16 byte length, then UTF-8; a null string: length -1.)
 * Routing is Java's admin's: a broker's own configs go to that broker, which applies them; the
 * rest (topics, and the cluster-wide broker defaults, the BROKER resource named "") to any broker,
 * which forwards them to the controller.
 */

export const INCREMENTAL_ALTER_CONFIGS = {
  apiKey: 44,
  apiVersion: 0,
  apiName: 'IncrementalAlterConfigs',
  /** Its ThrottleTimeMs, first in the body: a client throttles itself after every version (KIP-219). */
  throttleTimeMs: (body: Buffer): number => (body.length >= 4 ? body.readInt32BE(0) : 0),
} as const;

/** Kafka's ConfigResource.Type ids. */
export const RESOURCE_TYPE_IDS = { TOPIC: 2, BROKER: 4 } as const;
export type ResourceType = keyof typeof RESOURCE_TYPE_IDS;

/** Kafka's AlterConfigOp.OpType ids. */
export const OPERATION_IDS = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
export type ConfigOperation = keyof typeof OPERATION_IDS;

export interface AlterableConfig {
  name: string;
  /** Ignored by Kafka for DELETE; a null for the others is refused by Kafka. */
  value: string | null;
  operation: ConfigOperation;
}

export interface AlterConfigsResource {
  type: ResourceType;
  name: string;
  configs: AlterableConfig[];
}

/** One resource's outcome, in Kafka's words: errorCode 0 and errorMessage null when it took the change. */
export interface AlterConfigsResourceResponse {
  type: ResourceType;
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface IncrementalAlterConfigsResponse {
  throttleTimeMs: number;
  resources: AlterConfigsResourceResponse[];
}

/** The request's body, after the request header. */
export function encodeIncrementalAlterConfigsRequest(resources: readonly AlterConfigsResource[], validateOnly: boolean): Buffer {
  const out = new Writer();
  out.int32(resources.length);
  for (const resource of resources) {
    out.int8(RESOURCE_TYPE_IDS[resource.type]);
    out.string(resource.name);
    out.int32(resource.configs.length);
    for (const config of resource.configs) {
      out.string(config.name);
      out.int8(OPERATION_IDS[config.operation]);
      out.nullableString(config.value);
    }
  }
  out.int8(validateOnly ? 1 : 0);
  return out.buffer();
}

/** The response's body, after the response header (its correlation id). */
export function decodeIncrementalAlterConfigsResponse(body: Buffer): IncrementalAlterConfigsResponse {
  const input = new Reader(body);
  const throttleTimeMs = input.int32();
  const count = input.int32();
  if (count < 0) throw malformed('a null Responses array');
  const resources: AlterConfigsResourceResponse[] = [];
  for (let i = 0; i < count; i++) {
    const errorCode = input.int16();
    const errorMessage = input.nullableString();
    const type = resourceTypeOf(input.int8());
    const name = input.string();
    resources.push({ type, name, errorCode, errorMessage });
  }
  if (!input.atEnd()) throw malformed(`${body.length - input.offset} bytes after its last field`);
  return { throttleTimeMs, resources };
}

/** Sends one encoded request to a broker (by id), or to any broker (null), and answers the response body. */
export type SendRequest = (nodeId: number | null, body: Buffer) => Promise<Buffer>;

/**
 * Alters the resources, one request per broker addressed (and one for the rest), and answers each
 * resource's outcome in the order given. A resource the broker did not answer for (which Kafka
 * never does) is reported as UNKNOWN_SERVER_ERROR rather than taken as changed.
 */
export async function incrementalAlterConfigs(
  send: SendRequest,
  resources: readonly AlterConfigsResource[],
  validateOnly: boolean,
): Promise<AlterConfigsResourceResponse[]> {
  const answered = new Map<string, AlterConfigsResourceResponse>();
  await Promise.all(
    [...byBroker(resources)].map(async ([nodeId, group]) => {
      const response = decodeIncrementalAlterConfigsResponse(await send(nodeId, encodeIncrementalAlterConfigsRequest(group, validateOnly)));
      for (const resource of response.resources) answered.set(keyOf(resource), resource);
    }),
  );
  return resources.map(
    (resource) =>
      answered.get(keyOf(resource)) ?? { type: resource.type, name: resource.name, errorCode: UNKNOWN_SERVER_ERROR, errorMessage: 'The broker did not answer for this resource.' },
  );
}

/** Java's grouping: a broker resource with an id goes to that broker, every other to one shared request. */
export function byBroker(resources: readonly AlterConfigsResource[]): Map<number | null, AlterConfigsResource[]> {
  const groups = new Map<number | null, AlterConfigsResource[]>();
  for (const resource of resources) {
    const nodeId = resource.type === 'BROKER' && resource.name !== '' ? brokerIdOf(resource.name) : null;
    groups.set(nodeId, [...(groups.get(nodeId) ?? []), resource]);
  }
  return groups;
}

const UNKNOWN_SERVER_ERROR = -1;

const keyOf = (resource: { type: ResourceType; name: string }) => `${resource.type}:${resource.name}`;

function brokerIdOf(name: string): number {
  if (!/^-?\d+$/.test(name)) throw new Error(`a broker's configs are named by its id, not "${name}"`);
  return Number(name);
}

function resourceTypeOf(id: number): ResourceType {
  const found = (Object.keys(RESOURCE_TYPE_IDS) as ResourceType[]).find((type) => RESOURCE_TYPE_IDS[type] === id);
  if (!found) throw malformed(`resource type ${id}, which was not asked for`);
  return found;
}

const malformed = (what: string) => new Error(`IncrementalAlterConfigs response with ${what}`);

const MAX_STRING_BYTES = 0x7fff;

class Writer {
  private readonly chunks: Buffer[] = [];

  int8(value: number): void {
    this.chunks.push(Buffer.of(value & 0xff));
  }

  int32(value: number): void {
    const chunk = Buffer.alloc(4);
    chunk.writeInt32BE(value);
    this.chunks.push(chunk);
  }

  string(value: string): void {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > MAX_STRING_BYTES) throw new Error(`a string of ${bytes.length} bytes is longer than Kafka's ${MAX_STRING_BYTES}`);
    const length = Buffer.alloc(2);
    length.writeInt16BE(bytes.length);
    this.chunks.push(length, bytes);
  }

  nullableString(value: string | null): void {
    if (value !== null) return this.string(value);
    const length = Buffer.alloc(2);
    length.writeInt16BE(-1);
    this.chunks.push(length);
  }

  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

class Reader {
  offset = 0;

  constructor(private readonly bytes: Buffer) {}

  int8(): number {
    return this.bytes.readInt8(this.take(1));
  }

  int16(): number {
    return this.bytes.readInt16BE(this.take(2));
  }

  int32(): number {
    return this.bytes.readInt32BE(this.take(4));
  }

  string(): string {
    const value = this.nullableString();
    if (value === null) throw malformed('a null where a string belongs');
    return value;
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    const start = this.take(length);
    return this.bytes.toString('utf8', start, start + length);
  }

  atEnd(): boolean {
    return this.offset === this.bytes.length;
  }

  /** The offset of the next `length` bytes, which must be there. */
  private take(length: number): number {
    if (this.offset + length > this.bytes.length) throw malformed(`its end cut off at byte ${this.bytes.length}`);
    const start = this.offset;
    this.offset += length;
    return start;
  }
}
