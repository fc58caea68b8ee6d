/**
 * The local broker's server.properties and log4j2 configuration, as local-broker.ts writes them
 * into the broker's directory at each start.
 */
import { join } from 'node:path';

/** Where the node lives: its data directory and its two ports. */
export interface NodeAddress {
  dir: string;
  port: number;
  controllerPort: number;
}

export interface PropertiesOptions {
  autoCreateTopics?: boolean;
  properties?: Record<string, string>;
}

/** The broker's server.properties: a PLAINTEXT single node, then the security mode's, then the caller's. */
export function serverProperties(broker: NodeAddress, options: PropertiesOptions, security: Record<string, string>): string {
  const lines: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${broker.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${broker.port},CONTROLLER://127.0.0.1:${broker.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${broker.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': join(broker.dir, 'data'),
    'auto.create.topics.enable': String(options.autoCreateTopics ?? true),
    'num.partitions': '1',
    // One node: every internal topic must live with replication factor 1.
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    // Groups form at once instead of waiting 3 s for more members.
    'group.initial.rebalance.delay.ms': '0',
    'num.network.threads': '2',
    'num.io.threads': '4',
    ...security,
    ...options.properties,
  };
  return Object.entries(lines)
    .map(([k, v]) => `${k}=${escapeValue(v)}`)
    .join('\n')
    .concat('\n');
}

/**
 * A value as java.util.Properties reads it back: a backslash there starts an escape, and an RFC
 * 2253 DN in super.users (`CN=Smith\, Alice`) or a Windows path holds backslashes of its own.
 */
function escapeValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\r', '\\r').replace(/^\s/, (space) => `\\${space}`);
}

/** The client listener of a secured mode (SASL, SSL) on loopback, beside the controller's, used between brokers too. */
export function securedListener(name: string, protocol: string, port: number, controllerPort: number): Record<string, string> {
  return {
    listeners: `${name}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `${name}://127.0.0.1:${port}`,
    'inter.broker.listener.name': name,
    'listener.security.protocol.map': `${name}:${protocol},CONTROLLER:PLAINTEXT`,
  };
}

export // Broker logs go to stdout, which start() sends to <dir>/broker.log; INFO for Kafka, WARN for chatter.
const LOG4J2_CONFIG = `status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRefs = stdout
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.clients.name = org.apache.kafka
logger.clients.level = WARN
`;
