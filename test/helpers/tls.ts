/**
 * Certificates for TLS tests, made with openssl (and keytool for the Java store formats): a CA, a
 * server certificate for 127.0.0.1/localhost, client certificates with a chosen CN, each as PEM
 * files and as a password-protected PKCS12 store; a truststore as PEM and as a certificates-only
 * PKCS12 (what keytool -importcert writes). Also an https client that accepts a CA and a client
 * certificate, and reports the certificate the server presented.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { parseBody } from './proxy.ts';

export const STORE_PASSWORD = 'changeit';

export interface CertificateAuthority {
  name: string;
  /** PEM files. */
  cert: string;
  key: string;
}

export interface IssuedCertificate {
  /** PEM certificate, PEM private key (unencrypted), and key + certificate + CA in one PEM file. */
  cert: string;
  key: string;
  pem: string;
  /** PKCS12 keystore with the key, the certificate and the CA, protected by STORE_PASSWORD. */
  p12: string;
}

export interface Truststore {
  /** The CA certificates, PEM. */
  pem: string;
  /** The same as trusted-certificate entries of a PKCS12 store (keytool -importcert), STORE_PASSWORD. */
  p12: string;
}

function run(command: string, args: string[], cwd: string): void {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A working directory for certificates, removed by `remove()`. */
export function certificateDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-tls-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function createCa(dir: string, name = 'Test CA'): CertificateAuthority {
  const base = name.replaceAll(/\W+/g, '-').toLowerCase();
  const cert = join(dir, `${base}.pem`);
  const key = join(dir, `${base}-key.pem`);
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { name, cert, key };
}

/** A certificate signed by `ca`. `server` adds serverAuth and SANs for 127.0.0.1, ::1 and localhost. */
export function issueCertificate(ca: CertificateAuthority, dir: string, commonName: string, { server = false, file = commonName } = {}): IssuedCertificate {
  const base = join(dir, file.replaceAll(/\W+/g, '-').toLowerCase());
  const [key, csr, cert, pem, p12, ext] = ['-key.pem', '.csr', '.pem', '-bundle.pem', '.p12', '.ext'].map((suffix) => base + suffix) as [string, string, string, string, string, string];
  writeFileSync(ext, server
    ? 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n'
    : 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${commonName}/O=Kafka REST tests`], dir);
  // A random serial: a renewed certificate for the same name must differ on the wire.
  run('openssl', ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomSerial()}`, '-days', '30', '-extfile', ext, '-out', cert], dir);
  writeFileSync(pem, readFileSync(key, 'utf8') + readFileSync(cert, 'utf8') + readFileSync(ca.cert, 'utf8'));
  run('openssl', ['pkcs12', '-export', '-in', cert, '-inkey', key, '-certfile', ca.cert, '-name', commonName, '-out', p12, '-passout', `pass:${STORE_PASSWORD}`], dir);
  return { cert, key, pem, p12 };
}

export function createTruststore(dir: string, cas: readonly CertificateAuthority[], file = 'truststore'): Truststore {
  const pem = join(dir, `${file}.pem`);
  const p12 = join(dir, `${file}.p12`);
  writeFileSync(pem, cas.map((ca) => readFileSync(ca.cert, 'utf8')).join(''));
  for (const ca of cas) {
    run('keytool', ['-importcert', '-noprompt', '-alias', ca.name, '-file', ca.cert, '-keystore', p12, '-storetype', 'PKCS12', '-storepass', STORE_PASSWORD], dir);
  }
  return { pem, p12 };
}

/** The PKCS12 keystore converted by keytool, as Java tooling writes it (`type` JKS or PKCS12). */
export function keytoolCopy(p12: string, destination: string, type: 'JKS' | 'PKCS12'): string {
  run('keytool', ['-importkeystore', '-noprompt', '-srckeystore', p12, '-srcstoretype', 'PKCS12', '-srcstorepass', STORE_PASSWORD,
    '-destkeystore', destination, '-deststoretype', type, '-deststorepass', STORE_PASSWORD, '-destkeypass', STORE_PASSWORD], tmpdir());
  return destination;
}

function randomSerial(): string {
  return Array.from({ length: 16 }, () => Math.floor(Math.random() * 16).toString(16)).join('').replace(/^0/, '1');
}

/** Everything most tests need: a CA, a server certificate, a truststore with the CA, and a `client(cn)` factory. */
export interface TlsFixture {
  dir: string;
  ca: CertificateAuthority;
  server: IssuedCertificate;
  truststore: Truststore;
  client: (commonName: string) => IssuedCertificate;
  remove: () => void;
}

export function tlsFixture(): TlsFixture {
  const { dir, remove } = certificateDir();
  const ca = createCa(dir);
  return { dir, ca, server: issueCertificate(ca, dir, 'localhost', { server: true, file: 'server' }), truststore: createTruststore(dir, [ca]), client: (cn) => issueCertificate(ca, dir, cn), remove };
}

export interface HttpsOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** PEM file trusted for the server's certificate. */
  ca?: string;
  /** PEM files of a client certificate and its key. */
  cert?: string;
  key?: string;
  /** Highest TLS version the client offers. */
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
}

export interface HttpsReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any; // JSON from the wire, else its text
  /** The certificate the server presented on this connection. */
  peer: PeerCertificate;
  /** Negotiated TLS version and cipher suite (OpenSSL name). */
  protocol: string | null;
  cipher: string;
}

/** One request on a fresh TLS connection (no agent pooling, so each call sees the current certificate). */
export function httpsCall(url: string, { method = 'GET', headers = {}, body, ca, cert, key, maxVersion }: HttpsOptions = {}): Promise<HttpsReply> {
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method,
        agent: false,
        headers: { ...headers, ...(payload ? { 'Content-Length': String(payload.length) } : {}) },
        ca: ca ? readFileSync(ca) : undefined,
        cert: cert ? readFileSync(cert) : undefined,
        key: key ? readFileSync(key) : undefined,
        ...(maxVersion ? { maxVersion } : {}),
      },
      (res) => {
        const socket = res.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        const protocol = socket.getProtocol();
        const cipher = socket.getCipher().name;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode!, headers: res.headers, body: parseBody(Buffer.concat(chunks).toString()), peer, protocol, cipher });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
