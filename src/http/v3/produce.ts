import type Router from '@koa/router';
import type { V3 } from './routes.ts';

/** What v3 produce needs from the proxy (the producer pool, schema codecs, limits). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in with the produce endpoints
export interface V3ProduceServices {}

export function registerProduceRoutes(_router: Router, _v3: V3): void {}
