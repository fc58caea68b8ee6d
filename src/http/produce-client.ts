import type { Context } from 'koa';
import type { ProduceClient } from '../actors/producer/produce-records.ts';

/**
 * The client of a produce request (v2, v3 records:batch), as the producer pool sees it: gone once
 * its connection closed before the answer was written, so records still queued for it are dropped.
 */
export function requestClient(ctx: Context): ProduceClient {
  const res = ctx.res;
  return {
    get gone() {
      return res.destroyed && !res.writableFinished;
    },
    onGone(listener) {
      const closed = () => {
        if (!res.writableFinished) listener();
      };
      res.once('close', closed);
      return () => res.off('close', closed);
    },
  };
}
