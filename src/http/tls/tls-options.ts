/**
 * Reads the keystore and truststore named by the ssl.* settings into Node's TLS options. Every
 * mistake — a missing file, a wrong password, a JKS store, a key that does not match its
 * certificate — is one StartupError naming the key to fix. Used at start-up and on each reload.
 *
 * PKCS12 keystores go to Node as `pfx`. A PKCS12 truststore holds only trusted certificates
 * (keytool -importcert), which Node's `pfx` cannot load (it wants a private key), so it is decoded
 * with node-forge and its certificates become `ca`.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import forge from 'node-forge';
import type { ClientAuthentication, StoreSettings, StoreType, TlsSettings } from '../../config/tls-settings.ts';
import { StartupError } from '../../startup-error.ts';

export interface TlsMaterial {
  /** For tls.createSecureContext, https.createServer and server.setSecureContext. */
  readonly context: SecureContextOptions;
  readonly clientAuthentication: ClientAuthentication;
}

type Kind = 'PKCS12' | 'PEM' | 'JKS' | 'JCEKS' | 'unknown';

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;

/** What the file is, from its first bytes: Java's own store formats carry a magic number. */
function kindOf(bytes: Buffer): Kind {
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === JKS_MAGIC) return 'JKS';
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === JCEKS_MAGIC) return 'JCEKS';
  if (bytes.includes('-----BEGIN ')) return 'PEM';
  if (bytes[0] === 0x30) return 'PKCS12'; // a DER SEQUENCE
  return 'unknown';
}

const conversion = (path: string) =>
  `convert it to PKCS12 with: keytool -importkeystore -srckeystore ${path} -destkeystore ${path.replace(/\.(jks|jceks|keystore)$/i, '')}.p12 -deststoretype PKCS12, then point the location at the .p12 file`;

function readStore(store: StoreSettings, role: 'keystore' | 'truststore'): { bytes: Buffer; kind: 'PKCS12' | 'PEM' } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(store.location);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new StartupError(`ssl.${role}.location: cannot read ${store.location} (${why})`, { cause: error });
  }
  const kind = kindOf(bytes);
  if (kind === 'JKS' || kind === 'JCEKS') {
    throw new StartupError(`ssl.${role}.location: ${store.location} is a ${kind} ${role}, which cannot be read here; ${conversion(store.location)} and set ssl.${role}.type=PKCS12`);
  }
  if (kind === 'unknown') throw new StartupError(`ssl.${role}.location: ${store.location} is neither a PKCS12 nor a PEM file`);
  // Java's JKS type reads PKCS12 files as well, so a PKCS12 file declared JKS is taken as it is.
  const declared: StoreType | null = store.type;
  if (declared && declared !== 'JKS' && declared !== kind) {
    throw new StartupError(`ssl.${role}.type is ${declared} but ${store.location} is a ${kind} file: set ssl.${role}.type=${kind}, or leave it unset`);
  }
  return { bytes, kind };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const pemBlocks = (text: string, label: RegExp): string[] => [...text.matchAll(PEM_BLOCK)].filter((m) => label.test(m[1]!)).map((m) => `${m[0]}\n`);

/** Node's error, reworded when it means a wrong password or a mismatched pair. */
function tryContext(options: SecureContextOptions): string | null {
  try {
    createSecureContext(options);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

function keystoreOptions(settings: TlsSettings): SecureContextOptions {
  const store = settings.keystore;
  const { bytes, kind } = readStore(store, 'keystore');
  if (kind === 'PKCS12') {
    // Node opens the store and its key with one password; Java tools normally use the same for both.
    const candidates = [...new Set([store.password ?? '', ...(store.keyPassword === null ? [] : [store.keyPassword])])];
    let failure = '';
    for (const passphrase of candidates) {
      const error = tryContext({ pfx: bytes, passphrase });
      if (error === null) return { pfx: bytes, passphrase };
      failure = error;
    }
    if (/mac verify failure|bad decrypt|invalid password/i.test(failure)) {
      throw new StartupError(`ssl.keystore.password does not open the PKCS12 keystore ${store.location} (wrong password)`);
    }
    if (/private key/i.test(failure)) throw new StartupError(`ssl.keystore.location: ${store.location} holds no private key (a truststore?): the keystore needs the listener's key and certificate`);
    throw new StartupError(`ssl.keystore.location: cannot use ${store.location} as a keystore: ${failure}`);
  }
  const text = bytes.toString('utf8');
  const keys = pemBlocks(text, /PRIVATE KEY$/);
  const certs = pemBlocks(text, /^CERTIFICATE$/);
  if (keys.length !== 1) throw new StartupError(`ssl.keystore.location: the PEM keystore ${store.location} must hold exactly one private key (it holds ${keys.length})`);
  if (certs.length === 0) throw new StartupError(`ssl.keystore.location: the PEM keystore ${store.location} holds no certificate (it needs the certificate chain after the key)`);
  const encrypted = /ENCRYPTED|Proc-Type: 4,ENCRYPTED/.test(keys[0]!);
  const passphrase = store.keyPassword ?? store.password ?? undefined;
  if (encrypted && passphrase === undefined) throw new StartupError(`ssl.key.password: the private key in ${store.location} is encrypted; set its password`);
  try {
    createPrivateKey({ key: keys[0]!, format: 'pem', ...(encrypted ? { passphrase } : {}) });
  } catch (error) {
    // OpenSSL's message for a wrong password varies with the bytes the wrong key decrypts to.
    if (encrypted) throw new StartupError(`ssl.key.password does not decrypt the private key in ${store.location} (wrong password)`, { cause: error });
    throw new StartupError(`ssl.keystore.location: cannot read the private key in ${store.location}: ${(error as Error).message}`, { cause: error });
  }
  const options: SecureContextOptions = { key: keys[0], cert: certs.join(''), ...(encrypted ? { passphrase } : {}) };
  const error = tryContext(options);
  if (error === null) return options;
  if (/key values mismatch/i.test(error)) throw new StartupError(`ssl.keystore.location: in ${store.location} the private key does not belong to the first certificate (the listener's own certificate must come first)`);
  throw new StartupError(`ssl.keystore.location: cannot use ${store.location} as a keystore: ${error}`);
}

function truststoreCertificates(store: StoreSettings): string[] {
  const { bytes, kind } = readStore(store, 'truststore');
  if (kind === 'PEM') {
    const certs = pemBlocks(bytes.toString('utf8'), /^CERTIFICATE$/);
    if (certs.length === 0) throw new StartupError(`ssl.truststore.location: ${store.location} holds no CERTIFICATE block`);
    return certs;
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary'))), true, store.password ?? '');
  } catch (error) {
    const message = (error as Error).message;
    if (/MAC could not be verified|Invalid password/i.test(message)) {
      throw new StartupError(`ssl.truststore.password does not open the PKCS12 truststore ${store.location} (wrong password)`);
    }
    throw new StartupError(`ssl.truststore.location: cannot read the PKCS12 truststore ${store.location}: ${message}`, { cause: error });
  }
  const bagType = forge.pki.oids.certBag!;
  const certs = (p12.getBags({ bagType })[bagType] ?? []).flatMap((bag) => (bag.cert ? [forge.pki.certificateToPem(bag.cert)] : []));
  if (certs.length === 0) throw new StartupError(`ssl.truststore.location: the PKCS12 truststore ${store.location} holds no certificate`);
  return certs;
}

/** The TLS options of every https listener, or a StartupError naming what to fix. */
export function loadTlsMaterial(settings: TlsSettings): TlsMaterial {
  const context: SecureContextOptions = {
    ...keystoreOptions(settings),
    minVersion: settings.protocols.minVersion,
    maxVersion: settings.protocols.maxVersion,
    ...(settings.cipherSuites ? { ciphers: settings.cipherSuites.ciphers } : {}),
    ...(settings.truststore ? { ca: truststoreCertificates(settings.truststore) } : {}),
  };
  const error = tryContext(context);
  if (error !== null) {
    const key = /cipher/i.test(error) ? 'ssl.cipher.suites' : 'ssl.enabled.protocols';
    throw new StartupError(`${key}: Node's TLS refuses these settings: ${error}`);
  }
  return { context, clientAuthentication: settings.clientAuthentication };
}
