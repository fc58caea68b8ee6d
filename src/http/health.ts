/**
 * Liveness and readiness, on the main listener (for load balancers and orchestrators) and on the
 * management listener: live = the process answers; ready = the broker is reachable and a write
 * to the journal just went through (503 otherwise, with which check failed).
 */
import type Router from '@koa/router';
import type { ReadinessProbe } from '../observability/readiness.ts';

export function registerHealthRoutes(router: Router, readiness: ReadinessProbe): void {
  router.get('/health/live', (ctx) => {
    ctx.body = { status: 'live' };
  });
  router.get('/health/ready', async (ctx) => {
    const checks = await readiness.check();
    const ready = checks.broker && checks.journal;
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unready', checks };
  });
}
