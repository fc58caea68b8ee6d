import { Errors } from '../../errors.ts';

/**
 * A path's integer (partition or broker id), as Jersey converts an `Integer` path parameter
 * (`Integer.valueOf`: an optional sign, decimal digits, 32 bits); anything else matches no
 * resource: 404 "HTTP 404 Not Found".
 */
export function intParam(value: string | undefined): number {
  const text = value ?? '';
  const number = Number(text);
  if (!/^[+-]?\d{1,10}$/.test(text) || number < -2_147_483_648 || number > 2_147_483_647) throw Errors.notFound();
  return number;
}
