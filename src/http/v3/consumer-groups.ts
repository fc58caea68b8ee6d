import type Router from '@koa/router';
import type { V3 } from './routes.ts';

export function registerConsumerGroupRoutes(_router: Router, _v3: V3): void {}
