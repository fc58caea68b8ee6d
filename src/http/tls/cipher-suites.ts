/**
 * `ssl.cipher.suites` and `ssl.enabled.protocols` in Java's vocabulary, translated for Node's TLS
 * (OpenSSL). Java names cipher suites by IANA name (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), OpenSSL
 * by its own (ECDHE-RSA-AES128-GCM-SHA256); TLS 1.3 suites have the same name in both.
 */
import { getCiphers } from 'node:tls';

const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

/** IANA (Java) name → OpenSSL name, for the TLS 1.2 suites a current JDK enables. */
const TLS12_SUITES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_DHE_RSA_WITH_AES_128_GCM_SHA256: 'DHE-RSA-AES128-GCM-SHA256',
  TLS_DHE_RSA_WITH_AES_256_GCM_SHA384: 'DHE-RSA-AES256-GCM-SHA384',
  TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'DHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384: 'ECDHE-ECDSA-AES256-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384: 'ECDHE-RSA-AES256-SHA384',
  TLS_DHE_RSA_WITH_AES_128_CBC_SHA256: 'DHE-RSA-AES128-SHA256',
  TLS_DHE_RSA_WITH_AES_256_CBC_SHA256: 'DHE-RSA-AES256-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_256_CBC_SHA256: 'AES256-SHA256',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
};

/** Every Java name that is translated, for docs and tests. */
export const JAVA_CIPHER_SUITES: readonly string[] = [...TLS13_SUITES, ...Object.keys(TLS12_SUITES)];

/** Java's renegotiation signalling pseudo-suite: OpenSSL always sends it, nothing to configure. */
const SIGNALLING = 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV';

export interface CipherSelection {
  /** Node's `ciphers` string (TLS 1.2 and TLS 1.3 names together, colon-separated). */
  readonly ciphers: string;
  readonly tls12: number;
  readonly tls13: number;
}

/** Java or OpenSSL names → Node's `ciphers`; an error names the first suite Node cannot use. */
export function cipherSelection(names: readonly string[]): { ok: true; value: CipherSelection } | { ok: false; reason: string } {
  const openssl = new Set(getCiphers().map((name) => name.toUpperCase()));
  const tls12: string[] = [];
  const tls13: string[] = [];
  for (const name of names) {
    const upper = name.toUpperCase();
    if (upper === SIGNALLING) continue;
    if (TLS13_SUITES.includes(upper)) tls13.push(upper);
    else if (TLS12_SUITES[upper] && openssl.has(TLS12_SUITES[upper])) tls12.push(TLS12_SUITES[upper]);
    else if (openssl.has(upper) && !upper.startsWith('TLS_')) tls12.push(upper);
    else return { ok: false, reason: `${name} is not a cipher suite Node's TLS can use (give Java names such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_AES_128_GCM_SHA256, or OpenSSL names)` };
  }
  if (tls12.length + tls13.length === 0) return { ok: false, reason: 'no cipher suite left' };
  return { ok: true, value: { ciphers: [...tls13, ...tls12].join(':'), tls12: tls12.length, tls13: tls13.length } };
}

export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';
const VERSIONS: readonly TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];
/** Java names Node's OpenSSL 3 build will not negotiate at its default security level. */
const OUTDATED = ['SSLV2HELLO', 'SSLV3', 'TLSV1', 'TLSV1.1'];

export interface ProtocolRange {
  readonly minVersion: TlsVersion;
  readonly maxVersion: TlsVersion;
}

/** `TLSv1.2,TLSv1.3` → Node's minVersion/maxVersion. */
export function protocolRange(names: readonly string[]): { ok: true; value: ProtocolRange } | { ok: false; reason: string } {
  const chosen: TlsVersion[] = [];
  for (const name of names) {
    const version = VERSIONS.find((v) => v.toUpperCase() === name.toUpperCase());
    if (version) chosen.push(version);
    else if (OUTDATED.includes(name.toUpperCase())) return { ok: false, reason: `${name} is not available: Node's TLS (OpenSSL 3) offers TLSv1.2 and TLSv1.3 only` };
    else return { ok: false, reason: `${name} is not a TLS protocol version` };
  }
  if (chosen.length === 0) return { ok: false, reason: 'at least one of TLSv1.2, TLSv1.3 is required' };
  const sorted = VERSIONS.filter((v) => chosen.includes(v));
  return { ok: true, value: { minVersion: sorted[0]!, maxVersion: sorted.at(-1)! } };
}
