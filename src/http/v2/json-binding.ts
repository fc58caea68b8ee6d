/**
 * Binding a v2 request body to Confluent's entities the way Jackson does, so a body Confluent's
 * proxy cannot bind is refused here too, with Jackson's words: an unknown property, or a value of
 * the wrong JSON type, is 400 (Confluent: 400 with Jackson's message). What binds but is not valid
 * (an empty list, a negative partition) is left to the callers' checks, usually 422.
 *
 * Jackson's default coercions are kept where clients rely on them: a number or boolean where a
 * string is expected becomes its text, and a string of digits where an integer is expected becomes
 * that integer (`"value_schema_id": "1"`). Unlike Jackson, a fraction is not truncated to an
 * integer: `"partition": 1.5` is refused rather than written to partition 1.
 *
 * Errors carry Jackson's reference chain (`...ProduceRequest["records"]->java.util.ArrayList[0]->...`),
 * built as a BindingError travels up, so nothing is spent on it while a body binds.
 */
import { ErrorCode, RestError } from '../../errors.ts';

/** A Confluent request entity: its Java class, named in messages, and its JSON properties. */
export interface Entity {
  readonly className: string;
  readonly properties: ReadonlySet<string>;
}

const PACKAGE = 'io.confluent.kafkarest.entities.v2';

export function entity(simpleName: string, properties: readonly string[]): Entity {
  return { className: `${PACKAGE}.${simpleName}`, properties: new Set(properties) };
}

export class BindingError extends Error {
  private readonly chain: string[] = [];

  constructor(readonly reason: string) {
    super(reason);
    this.name = 'BindingError';
  }

  /** Adds the step the failing value was reached through (outermost last). */
  at(step: string): this {
    this.chain.unshift(step);
    return this;
  }

  toRestError(): RestError {
    const chain = this.chain.length > 0 ? ` (through reference chain: ${this.chain.join('->')})` : '';
    return new RestError(ErrorCode.BadRequest, `${this.reason}${chain}`);
  }
}

/** Runs a binding; a BindingError becomes the 400 a client gets. */
export function bind<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof BindingError) throw error.toRestError();
    throw error;
  }
}

/** Reads one property of an entity: a failure below it gets `Class["name"]` in its chain. */
export function property<T>(owner: Entity, name: string, value: unknown, read: (value: unknown) => T): T {
  try {
    return read(value);
  } catch (error) {
    if (error instanceof BindingError) throw error.at(`${owner.className}["${name}"]`);
    throw error;
  }
}

/**
 * A JSON object bound to `type`: anything else is refused, and so is a property the entity lacks
 * unless the caller answers those itself (`checkProperties` false).
 */
export function objectOf(value: unknown, type: Entity, checkProperties = true): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BindingError(notAnObject(value, type));
  const fields = value as Record<string, unknown>;
  if (checkProperties) for (const name in fields) {
    if (!type.properties.has(name)) throw unrecognizedField(type, name);
  }
  return fields;
}

export function unrecognizedField(type: Entity, name: string): BindingError {
  const known = [...type.properties].map((p) => JSON.stringify(p)).join(', ');
  return new BindingError(
    `Unrecognized field ${JSON.stringify(name)} (class ${type.className}), not marked as ignorable (${type.properties.size} known properties: ${known}])`,
  ).at(`${type.className}[${JSON.stringify(name)}]`);
}

/** A list, each element read by `read` (its index joins the chain); null and absent are undefined. */
export function listOf<T>(value: unknown, elementType: string, read: (element: unknown) => T): T[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw mismatch(`java.util.ArrayList<${elementType}>`, value);
  const out: T[] = new Array<T>(value.length);
  for (let i = 0; i < value.length; i++) {
    try {
      out[i] = read(value[i]);
    } catch (error) {
      if (error instanceof BindingError) throw error.at(`java.util.ArrayList[${i}]`);
      throw error;
    }
  }
  return out;
}

/** A string; numbers and booleans become their text (Jackson's scalar coercion). */
export function stringOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw mismatch('java.lang.String', value);
}

const INT = { name: 'int', javaType: 'java.lang.Integer', min: -2_147_483_648, max: 2_147_483_647 };
const LONG = { name: 'long', javaType: 'java.lang.Long', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** A 32-bit integer; a string of digits is read as one; "" is absent (Jackson's coercions). */
export function intOf(value: unknown): number | undefined {
  return integerOf(value, INT);
}

/** A 64-bit integer, as far as a JavaScript number holds one exactly. */
export function longOf(value: unknown): number | undefined {
  return integerOf(value, LONG);
}

function integerOf(value: unknown, type: typeof INT): number | undefined {
  if (value === undefined || value === null) return undefined;
  let number: number;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      throw new BindingError(`Cannot coerce Floating-point value (${value}) to \`${type.javaType}\` value`);
    }
    number = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return undefined;
    if (!/^[+-]?\d{1,20}$/.test(text)) {
      throw new BindingError(`Cannot deserialize value of type \`${type.javaType}\` from String ${JSON.stringify(value)}: not a valid \`${type.javaType}\` value`);
    }
    number = Number(text);
  } else throw mismatch(type.javaType, value);
  if (number < type.min || number > type.max) {
    throw new BindingError(`Numeric value (${String(value)}) out of range of ${type.name} (${type.min} - ${type.max})`);
  }
  return number;
}

/** Jackson's "from <shape> value (token ...)" for a value of the wrong JSON type. */
export function mismatch(javaType: string, value: unknown): BindingError {
  return new BindingError(`Cannot deserialize value of type \`${javaType}\` from ${shapeOf(value)}`);
}

function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return 'Array value (token `JsonToken.START_ARRAY`)';
  switch (typeof value) {
    case 'string':
      return 'String value (token `JsonToken.VALUE_STRING`)';
    case 'number':
      return Number.isInteger(value) ? 'Integer value (token `JsonToken.VALUE_NUMBER_INT`)' : 'Floating-point value (token `JsonToken.VALUE_NUMBER_FLOAT`)';
    case 'boolean':
      return `Boolean value (token \`JsonToken.VALUE_${value ? 'TRUE' : 'FALSE'}\`)`;
    default:
      return value === null ? 'Null value (token `JsonToken.VALUE_NULL`)' : 'Object value (token `JsonToken.START_OBJECT`)';
  }
}

/** What Jackson says when a bean (an entity with a creator) is given a scalar or an array. */
function notAnObject(value: unknown, type: Entity): string {
  const cannot = `Cannot construct instance of \`${type.className}\` (although at least one Creator exists)`;
  if (typeof value === 'string') return `${cannot}: no String-argument constructor/factory method to deserialize from String value (${quoteSingle(value)})`;
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? `${cannot}: no int/Int-argument constructor/factory method to deserialize from Number value (${value})`
      : `${cannot}: no double/Double-argument constructor/factory method to deserialize from Number value (${value})`;
  }
  if (typeof value === 'boolean') return `${cannot}: no boolean/Boolean-argument constructor/factory method to deserialize from boolean value (${value})`;
  return `Cannot deserialize value of type \`${type.className}\` from ${shapeOf(value)}`;
}

const quoteSingle = (text: string): string => `'${text.length > 80 ? `${text.slice(0, 80)}…` : text}'`;
