/**
 * API v3 configs: a topic's (configs-topics.ts), a broker's and the cluster-wide broker defaults
 * (configs-brokers.ts). Each config is `{cluster_id, topic_name | broker_id | config_type, name,
 * value, is_default, is_read_only, is_sensitive, source, synonyms}` with its own URL and CRN.
 * Reads list every config, defaults included, by name. Changes answer 204 and are read back by
 * the next GET; unknown names answer Confluent's 404s: Jersey's plain "HTTP 404 Not Found" for a
 * GET, the manager's "Config X cannot be found for TOPIC t in cluster C." for a change.
 * Their JSON is built in configs-data.ts, their bodies read in configs-requests.ts, and the Kafka
 * side is src/kafka/v3/configs.ts.
 */
import type Router from '@koa/router';
import { registerBrokerConfigRoutes } from './configs-brokers.ts';
import { registerTopicConfigRoutes } from './configs-topics.ts';
import type { V3 } from './routes.ts';

export function registerConfigRoutes(router: Router, v3: V3): void {
  registerTopicConfigRoutes(router, v3);
  registerBrokerConfigRoutes(router, v3);
}
