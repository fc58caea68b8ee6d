import { Errors } from '../../errors.ts';

/** A partition path segment: a non-negative int32, else the resource does not exist (404). */
export function partitionParam(raw: string | undefined): number {
  if (!raw || !/^\d{1,10}$/.test(raw)) throw Errors.notFound();
  const partition = Number(raw);
  if (partition > 2_147_483_647) throw Errors.notFound();
  return partition;
}
