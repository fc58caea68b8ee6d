/**
 * Asks a broker for cluster metadata with one raw Metadata v4 request (no topics) and reports
 * whether it answered with at least one broker. Raw bytes keep the launcher free of any Kafka
 * client: it is used to decide that a freshly started broker is ready for clients.
 */
import { connect } from 'node:net';

const METADATA_API_KEY = 3;
const METADATA_VERSION = 4; // Kafka 4.x removed v0-v3 (KIP-896); v4 is non-flexible and simple.
const CORRELATION_ID = 0x4b52;
const CLIENT_ID = Buffer.from('broker-probe');

export function probeMetadata(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write(metadataRequest()));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      // size, correlation id, throttle_time_ms, brokers array length
      const ok = received.readInt32BE(4) === CORRELATION_ID && received.length >= 16 && received.readInt32BE(12) > 0;
      finish(ok);
    });
  });
}

function metadataRequest(): Buffer {
  const body = Buffer.alloc(2 + 2 + 4 + 2 + CLIENT_ID.length + 4 + 1);
  let at = 0;
  at = body.writeInt16BE(METADATA_API_KEY, at);
  at = body.writeInt16BE(METADATA_VERSION, at);
  at = body.writeInt32BE(CORRELATION_ID, at);
  at = body.writeInt16BE(CLIENT_ID.length, at);
  at += CLIENT_ID.copy(body, at);
  at = body.writeInt32BE(0, at); // topics: empty array (not null: null would mean all topics)
  body.writeInt8(0, at); // allow_auto_topic_creation
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}
