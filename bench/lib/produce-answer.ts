/**
 * Checks a v2 produce answer the way the benchmarks count it: HTTP 200, a body with `offsets`,
 * one offset per record sent, and for each record `error_code` null and a numeric offset (an
 * answer with neither error nor offset counts as a record error too).
 */
import type { OpResult } from './load.ts';

interface Offset {
  offset: unknown;
  error_code: number | null;
  error: string | null;
}

export function checkProduceAnswer(status: number, text: string, records: number): OpResult {
  if (status !== 200) return { okRecords: 0, recordErrors: 0, requestError: `HTTP ${status}: ${text.slice(0, 160)}` };
  const offsets = parseOffsets(text);
  if (offsets === null) return { okRecords: 0, recordErrors: 0, requestError: `malformed produce response: ${text.slice(0, 160)}` };
  if (offsets.length !== records) return { okRecords: 0, recordErrors: 0, requestError: `${offsets.length} offsets for ${records} records` };
  let okRecords = 0;
  let recordErrors = 0;
  let recordErrorSample: string | undefined;
  for (const o of offsets) {
    if (o.error_code === null && typeof o.offset === 'number') {
      okRecords++;
    } else {
      recordErrors++;
      recordErrorSample ??= o.error_code === null ? 'no offset and no error' : `${o.error_code} ${o.error ?? ''}`;
    }
  }
  return recordErrorSample === undefined ? { okRecords, recordErrors, requestError: null } : { okRecords, recordErrors, requestError: null, recordErrorSample };
}

function parseOffsets(text: string): Offset[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || !('offsets' in parsed) || !Array.isArray(parsed.offsets)) return null;
  const offsets: Offset[] = [];
  for (const entry of parsed.offsets as unknown[]) {
    if (typeof entry !== 'object' || entry === null) return null;
    const { offset, error_code: code, error } = entry as Record<string, unknown>;
    offsets.push({
      offset,
      error_code: typeof code === 'number' ? code : code === null || code === undefined ? null : -1,
      error: typeof error === 'string' ? error : null,
    });
  }
  return offsets;
}
