/**
 * The principal of a verified TLS client certificate: its subject distinguished name in RFC 2253
 * form (most specific first, `CN=alice,OU=eng,O=Example,C=US`), as Java's
 * `X500Principal.getName()` gives it and Kafka's default SSL principal builder uses it.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** The subject DN when the connection presented a certificate the listener's truststore verified. */
export function certificateSubject(req: IncomingMessage): string | null {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.encrypted !== true || socket.authorized !== true || typeof socket.getPeerX509Certificate !== 'function') return null;
  const certificate = socket.getPeerX509Certificate();
  if (!certificate) return null;
  return subjectToRfc2253(certificate.subject);
}

/**
 * Node gives the subject one RDN a line, in certificate order (least specific first), with values
 * escaped as RFC 2253 asks except `=`; RFC 2253 lists RDNs the other way round, comma separated.
 * Two details are made Java's (so the name equals Kafka's `User:` principal): a multi-valued RDN's
 * values are joined by `+` (Node writes ` + `; a `+` inside a value is escaped, so the separator is
 * unambiguous), and an `=` inside a value is escaped `\=`. Attributes without an RFC 2253 keyword
 * (emailAddress) keep Node's name where Java writes `OID=#<DER hex>`.
 */
export function subjectToRfc2253(subject: string): string | null {
  const rdns = subject.split('\n').filter((line) => line !== '');
  if (rdns.length === 0) return null;
  return rdns
    .reverse()
    .map((rdn) => rdn.split(' + ').map(escapeEqualsInValue).join('+'))
    .join(',');
}

function escapeEqualsInValue(attribute: string): string {
  const at = attribute.indexOf('=');
  if (at < 0) return attribute;
  // An `=` already escaped stays as it is; any other in the value gets its backslash.
  return attribute.slice(0, at + 1) + attribute.slice(at + 1).replace(/(?<!\\)=/g, '\\=');
}
