/**
 * Asks a broker for cluster metadata with one raw Metadata v4 request (no topics) and reports
 * whether it answered with at least one broker. Raw bytes keep the launcher free of any Kafka
 * client: it is used to decide that a freshly started broker is ready for clients. On a SASL
 * listener it first logs in with PLAIN (SaslHandshake v1, then SaslAuthenticate v0), as the
 * broker's own super user, so that the answer cannot be an authorization failure. On an SSL
 * listener that requires client certificates it presents the broker's own.
 */
import { connect } from 'node:net';
import { connect as connectTls } from 'node:tls';

const METADATA_API_KEY = 3;
const METADATA_VERSION = 4; // Kafka 4.x removed v0-v3 (KIP-896); v4 is non-flexible and simple.
const SASL_HANDSHAKE_API_KEY = 17;
const SASL_HANDSHAKE_VERSION = 1; // v1: the SASL tokens then travel in SaslAuthenticate requests
const SASL_AUTHENTICATE_API_KEY = 36;
const SASL_AUTHENTICATE_VERSION = 0; // v0-v1 are non-flexible; Kafka 4.x keeps v0-v2
const CORRELATION_ID = 0x4b52;
const CLIENT_ID = Buffer.from('broker-probe');

/** A PLAIN login for the probe. */
export interface ProbeLogin {
  username: string;
  password: string;
}

/** A client certificate for the probe: a PKCS12 store with its key, and the store's password. */
export interface ProbeCertificate {
  pfx: Buffer;
  passphrase: string;
}

export function probeMetadata(host: string, port: number, timeoutMs: number, access?: ProbeLogin | ProbeCertificate): Promise<boolean> {
  const login = access && 'username' in access ? access : undefined;
  const certificate = access && 'pfx' in access ? access : undefined;
  // Each step is one request and its response, in order; a step answers whether to go on.
  const steps: { request: Buffer; accept: (response: Buffer) => boolean }[] = [];
  if (login) {
    steps.push({ request: saslHandshakeRequest(), accept: (response) => response.readInt16BE(4) === 0 });
    steps.push({ request: saslAuthenticateRequest(login), accept: (response) => response.readInt16BE(4) === 0 });
  }
  // throttle_time_ms, then the brokers array's length
  steps.push({ request: metadataRequest(), accept: (response) => response.length >= 12 && response.readInt32BE(8) > 0 });
  return new Promise((resolve) => {
    // The server's certificate is not checked: the probe asks a port this process just opened on
    // loopback whether it answers yet, and tells it nothing but the (public) client certificate.
    const socket = certificate
      ? connectTls({ host, port, pfx: certificate.pfx, passphrase: certificate.passphrase, rejectUnauthorized: false })
      : connect({ host, port });
    let received = Buffer.alloc(0);
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    // A broker may close the connection without an error (a SASL listener does, on a request
    // before login); the idle timeout stops with the socket, so this must answer too.
    socket.once('close', () => finish(false));
    socket.once(certificate ? 'secureConnect' : 'connect', () => socket.write(steps[0]!.request));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      // The response without its size: correlation id, then the body (a v0 header has no tags).
      const response = received.subarray(4, 4 + received.readInt32BE(0));
      received = received.subarray(4 + response.length);
      const step = steps.shift()!;
      if (response.length < 6 || response.readInt32BE(0) !== CORRELATION_ID || !step.accept(response)) return finish(false);
      if (steps.length === 0) return finish(true);
      socket.write(steps[0]!.request);
    });
  });
}

function metadataRequest(): Buffer {
  const body = Buffer.alloc(4 + 1);
  body.writeInt32BE(0, 0); // topics: empty array (not null: null would mean all topics)
  body.writeInt8(0, 4); // allow_auto_topic_creation
  return frame(METADATA_API_KEY, METADATA_VERSION, body);
}

function saslHandshakeRequest(): Buffer {
  return frame(SASL_HANDSHAKE_API_KEY, SASL_HANDSHAKE_VERSION, kafkaString('PLAIN'));
}

function saslAuthenticateRequest({ username, password }: ProbeLogin): Buffer {
  // RFC 4616: authorization id (empty), NUL, user name, NUL, password.
  const token = Buffer.from(`\0${username}\0${password}`, 'utf8');
  const body = Buffer.alloc(4);
  body.writeInt32BE(token.length);
  return frame(SASL_AUTHENTICATE_API_KEY, SASL_AUTHENTICATE_VERSION, Buffer.concat([body, token]));
}

/** Size, then request header v1 (api key, version, correlation id, client id), then the body. */
function frame(apiKey: number, version: number, body: Buffer): Buffer {
  const header = Buffer.alloc(2 + 2 + 4);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(CORRELATION_ID, 4);
  const size = Buffer.alloc(4);
  const rest = Buffer.concat([header, kafkaString(CLIENT_ID.toString()), body]);
  size.writeInt32BE(rest.length);
  return Buffer.concat([size, rest]);
}

function kafkaString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const length = Buffer.alloc(2);
  length.writeInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
