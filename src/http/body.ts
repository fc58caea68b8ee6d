/**
 * Reads a JSON request body with a size limit. Bodies over the limit are refused with 413 before
 * they are buffered whole (by Content-Length when given, else while streaming); malformed JSON is
 * a 400 with the JSON envelope (Confluent answers text/plain here; JSON is easier on clients).
 * So is a document nested deeper than Jackson reads (1,000 levels): every route, and every codec
 * behind it, then only ever sees JSON it can walk without running out of stack.
 */
import type { IncomingMessage } from 'node:http';
import { excessNestingDepth, nestingDepthMessage } from '../codecs/json-depth.ts';
import { ErrorCode, RestError } from '../errors.ts';

export const NO_BODY = Symbol('no body');

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain so the connection can answer
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  const depth = excessNestingDepth(bytes);
  if (depth > 0) throw new RestError(ErrorCode.BadRequest, nestingDepthMessage(depth));
  const text = bytes.toString('utf8');
  if (!text.trim()) return NO_BODY;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RestError(ErrorCode.BadRequest, `Malformed JSON request body: ${(error as Error).message}`);
  }
}

function tooLarge(limit: number): RestError {
  return new RestError(ErrorCode.PayloadTooLarge, `Request body is larger than the limit of ${limit} bytes.`);
}
