/**
 * The identities of a client keystore for SSL principal propagation: a PKCS12 file holding one
 * private key and certificate per principal. Each is keyed by its certificate's subject DN in
 * RFC 2253 form, made by the same function that names certificate principals on the proxy's
 * listeners (subjectToRfc2253), so the subject of a request's client certificate finds its entry.
 *
 * node-forge only unpacks the PKCS12 container (it decrypts bags whatever the key type); the
 * X.509 work — subjects, which key belongs to which certificate, issuers — is Node's.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { subjectToRfc2253 } from '../http/auth/certificate.ts';

/** One principal's login material, PEM. */
export interface KeystoreIdentity {
  /** The private key, unencrypted PKCS#8. */
  key: string;
  /** The principal's certificate first, then the issuers the keystore holds, up to a root. */
  cert: string;
}

/** Subject DN (RFC 2253) → key and certificate chain, one per private-key entry of the keystore. */
export function readKeystoreIdentities(path: string, password: string): Map<string, KeystoreIdentity> {
  const { keys, certificates } = readBags(path, password);
  if (keys.length === 0) throw new Error(`the keystore ${path} holds no private-key entry (a truststore?)`);
  const identities = new Map<string, KeystoreIdentity>();
  for (const key of keys) {
    // By public key rather than by localKeyId: openssl and keytool set it differently, some not at all.
    const own = certificates.find((certificate) => certificate.checkPrivateKey(key));
    if (!own) throw new Error(`the keystore ${path} holds a private key without its certificate`);
    const subject = subjectToRfc2253(own.subject);
    if (subject === null) throw new Error(`the keystore ${path} holds a certificate with an empty subject, which names no principal`);
    if (identities.has(subject)) throw new Error(`the keystore ${path} holds two entries for ${subject}, so which one the principal uses would be a guess`);
    identities.set(subject, {
      key: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      cert: chainOf(own, certificates).map((certificate) => certificate.toString()).join(''),
    });
  }
  return identities;
}

interface Bags {
  keys: KeyObject[];
  certificates: X509Certificate[];
}

function readBags(path: string, password: string): Bags {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : (error as Error).message;
    throw new Error(`cannot read the keystore ${path} (${why})`, { cause: error });
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, true, password);
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    // forge says "PKCS#12 MAC could not be verified. Invalid password?" for a wrong password.
    if (/MAC could not be verified|Invalid password|decrypt/i.test(message)) {
      throw new Error(`the password does not open the PKCS12 keystore ${path} (wrong password)`, { cause: error });
    }
    throw new Error(`the keystore ${path} is not a PKCS12 file forge can read (${message})`, { cause: error });
  }
  const { oids } = forge.pki;
  const keys: KeyObject[] = [];
  for (const bagType of [oids.pkcs8ShroudedKeyBag!, oids.keyBag!]) {
    for (const bag of p12.getBags({ bagType })[bagType] ?? []) {
      // forge decodes RSA keys only; for any other kind it keeps the decrypted PrivateKeyInfo.
      const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
      keys.push(createPrivateKey({ key: derBuffer(info), format: 'der', type: 'pkcs8' }));
    }
  }
  const certificates = (p12.getBags({ bagType: oids.certBag! })[oids.certBag!] ?? []).flatMap((bag) => {
    // Likewise for certificates: a non-RSA one arrives as its ASN.1 only.
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    return asn1 ? [new X509Certificate(derBuffer(asn1))] : [];
  });
  return { keys, certificates };
}

function derBuffer(asn1: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

/** The certificate, then each issuer found among `certificates` that signed the one before. */
function chainOf(leaf: X509Certificate, certificates: X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  // Bounded by the store's size: a cross-signed loop must not spin.
  while (chain.length <= certificates.length) {
    const last = chain.at(-1)!;
    if (last.checkIssued(last)) break; // self-signed: a root
    const issuer = certificates.find((candidate) => !chain.includes(candidate) && last.checkIssued(candidate) && last.verify(candidate.publicKey));
    if (!issuer) break;
    chain.push(issuer);
  }
  return chain;
}
