/**
 * The TLS of the https listeners, with rest-utils' `ssl.*` keys. As in Confluent's REST Proxy one
 * set of keys serves every https listener: `listeners`, `management.listeners` and
 * `schema.registry.listeners` (`schema.registry.ssl.*` stays what it is in Confluent's proxy, the
 * client side towards an external registry). Store files are only named here; they are read when
 * the listeners open (src/http/tls/tls-options.ts), so a broken file is a start-up error.
 */
import { cipherSelection, protocolRange, type CipherSelection, type ProtocolRange } from '../http/tls/cipher-suites.ts';
import { accept, bool, mapped, reject, text, type ValueType } from './kafka-client-options.ts';
import { invalid, refused, warning, type RawValue } from './messages.ts';
import type { DefaultedSetting, Setting } from './settings.ts';

export type StoreType = 'PKCS12' | 'PEM' | 'JKS';
export type ClientAuthentication = 'NONE' | 'REQUESTED' | 'REQUIRED';

export interface StoreSettings {
  readonly location: string;
  readonly password: string | null;
  /** `null`: recognised from the file's content. */
  readonly type: StoreType | null;
}

export interface TlsSettings {
  readonly keystore: StoreSettings & { readonly keyPassword: string | null };
  readonly truststore: StoreSettings | null;
  readonly clientAuthentication: ClientAuthentication;
  readonly protocols: ProtocolRange;
  /** `null`: Node's default cipher list. */
  readonly cipherSuites: CipherSelection | null;
  /** The file whose change reloads the keystore, or `null` when ssl.keystore.reload is off. */
  readonly reloadWatch: string | null;
}

const list = (raw: string) => raw.split(',').map((s) => s.trim()).filter((s) => s !== '');

const file: ValueType<string> = { expected: 'a file path', parse: (raw) => (raw.trim() === '' ? reject() : accept(raw.trim())) };
const storeType: ValueType<StoreType> = mapped([['PKCS12', 'PKCS12'], ['PEM', 'PEM'], ['JKS', 'JKS']] as const);
const clientAuthentication: ValueType<ClientAuthentication> = mapped([['NONE', 'NONE'], ['REQUESTED', 'REQUESTED'], ['REQUIRED', 'REQUIRED']] as const);
const protocols: ValueType<ProtocolRange> = {
  expected: 'a comma-separated list of TLSv1.2, TLSv1.3',
  parse: (raw) => {
    const range = protocolRange(list(raw));
    return range.ok ? accept(range.value) : reject(range.reason);
  },
};
const cipherSuites: ValueType<CipherSelection | null> = {
  expected: 'a comma-separated list of cipher suite names, or empty for the defaults',
  parse: (raw) => {
    if (list(raw).length === 0) return accept(null);
    const selection = cipherSelection(list(raw));
    return selection.ok ? accept(selection.value) : reject(selection.reason);
  },
};

const optional = <T>(key: string, type: ValueType<T>, description: string): Setting<T> => ({ key, type, fallback: null, description });
const defaulted = <T>(key: string, type: ValueType<T>, fallback: string, description: string): DefaultedSetting<T> => ({ key, type, fallback, description });

export const TLS_SETTINGS = {
  sslKeystoreLocation: optional('ssl.keystore.location', file, 'Keystore of the https listeners: a PKCS12 file (key, certificate and chain) or a PEM file holding the private key and the certificate chain. Required when any listener is https.'),
  sslKeystorePassword: optional('ssl.keystore.password', text, 'Password of a PKCS12 keystore.'),
  sslKeyPassword: optional('ssl.key.password', text, 'Password of an encrypted private key in a PEM keystore (a PKCS12 keystore uses ssl.keystore.password when this is not set or does not open it).'),
  sslKeystoreType: optional('ssl.keystore.type', storeType, 'PKCS12 or PEM; unset = recognised from the file. A JKS keystore is refused with the keytool command that converts it to PKCS12.'),
  sslTruststoreLocation: optional('ssl.truststore.location', file, 'CA certificates that client certificates must chain to (ssl.client.authentication REQUESTED or REQUIRED): a PKCS12 truststore (trusted certificate entries, as keytool -importcert writes) or a PEM file.'),
  sslTruststorePassword: optional('ssl.truststore.password', text, 'Password of a PKCS12 truststore.'),
  sslTruststoreType: optional('ssl.truststore.type', storeType, 'PKCS12 or PEM; unset = recognised from the file.'),
  sslClientAuthentication: optional('ssl.client.authentication', clientAuthentication, 'Client certificates on the https listeners: NONE, REQUESTED (optional, but an invalid one is refused) or REQUIRED (the TLS handshake fails without a valid one). Unset = ssl.client.auth.'),
  sslClientAuth: defaulted('ssl.client.auth', bool, 'false', 'Older form of ssl.client.authentication: true = REQUIRED.'),
  sslEnabledProtocols: defaulted('ssl.enabled.protocols', protocols, 'TLSv1.2,TLSv1.3', 'TLS versions the https listeners offer.'),
  sslCipherSuites: defaulted('ssl.cipher.suites', cipherSuites, '', "Cipher suites the https listeners offer, by Java (IANA) or OpenSSL name; empty = Node's defaults. Listing no TLS 1.3 suite turns TLS 1.3 off, as in Java."),
  sslKeystoreReload: defaulted('ssl.keystore.reload', bool, 'false', 'Reload the keystore (and truststore) when the file changes, without a restart: new connections get the new certificate; a broken new file keeps the old one and logs an error.'),
  sslKeystoreWatchLocation: optional('ssl.keystore.watch.location', file, 'File whose change triggers the reload; unset = ssl.keystore.location.'),
};

const TLS_KEYS: ReadonlySet<string> = new Set(Object.values(TLS_SETTINGS).map((s) => s.key));
const LISTENER_KEYS = ['listeners', 'management.listeners', 'schema.registry.listeners'];
const HTTPS = /(^|,)\s*https:/i;
const NO_HTTPS = 'ignored: ssl.* configures the TLS of https listeners, and every listener is http (TLS to Kafka is client.security.protocol and client.ssl.*)';

/** `null` when no listener is https; problems name the key (and listener) at fault. */
export function readTlsSettings(raw: ReadonlyMap<string, RawValue>, problems: string[], warnings: string[]): TlsSettings | null {
  const https = LISTENER_KEYS.filter((key) => HTTPS.test(raw.get(key)?.value ?? ''));
  if (https.length === 0) {
    for (const [key, value] of raw) if (TLS_KEYS.has(key)) warnings.push(warning(key, value, NO_HTTPS));
    return null;
  }
  const read = <T>(s: Setting<T>): T | null => {
    const value = raw.get(s.key);
    if (value === undefined) return s.fallback === null ? null : (s.type.parse(s.fallback) as { value: T }).value;
    const parsed = s.type.parse(value.value);
    if (parsed.ok) return parsed.value;
    problems.push(invalid(s.key, value, s.type.expected, parsed.reason, /password/.test(s.key)));
    return null;
  };
  const S = TLS_SETTINGS;
  const location = read(S.sslKeystoreLocation);
  if (location === null && !raw.has(S.sslKeystoreLocation.key)) {
    for (const key of https) problems.push(refused(key, raw.get(key)!, 'an https listener needs a keystore: set ssl.keystore.location (a PKCS12 or PEM file) and ssl.keystore.password'));
  }
  const truststoreLocation = read(S.sslTruststoreLocation);
  const explicit = read(S.sslClientAuthentication);
  const legacy = read(S.sslClientAuth);
  // rest-utils: ssl.client.authentication, when set, wins over the older boolean.
  const clientAuth: ClientAuthentication = explicit ?? (legacy ? 'REQUIRED' : 'NONE');
  if (clientAuth !== 'NONE' && truststoreLocation === null && !raw.has(S.sslTruststoreLocation.key)) {
    const key = explicit ? S.sslClientAuthentication.key : S.sslClientAuth.key;
    // Java would fall back to the JVM's public CAs: any publicly issued certificate would pass.
    problems.push(refused(key, raw.get(key)!, `client certificates (${clientAuth}) need ssl.truststore.location: the CA certificates they must chain to`));
  }
  const range = read(S.sslEnabledProtocols);
  const suites = read(S.sslCipherSuites);
  if (range && suites && (range.maxVersion === 'TLSv1.2' ? suites.tls12 : suites.tls12 + suites.tls13) === 0) {
    problems.push(refused(S.sslCipherSuites.key, raw.get(S.sslCipherSuites.key)!, `none of these suites works with ssl.enabled.protocols ${range.minVersion === range.maxVersion ? range.minVersion : `${range.minVersion}-${range.maxVersion}`}`));
  }
  const reload = read(S.sslKeystoreReload);
  const watch = read(S.sslKeystoreWatchLocation);
  const keystoreType = read(S.sslKeystoreType);
  const truststoreType = read(S.sslTruststoreType);
  const keystorePassword = read(S.sslKeystorePassword);
  const keyPassword = read(S.sslKeyPassword);
  const truststorePassword = read(S.sslTruststorePassword);
  if (location === null || range === null) return null;
  return {
    keystore: { location, password: keystorePassword, keyPassword, type: keystoreType },
    truststore: truststoreLocation === null ? null : { location: truststoreLocation, password: truststorePassword, type: truststoreType },
    clientAuthentication: clientAuth,
    protocols: range,
    cipherSuites: suites,
    reloadWatch: reload ? (watch ?? location) : null,
  };
}
