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
 * Node gives the subject one attribute a line, in certificate order (least specific first), with
 * values already escaped as RFC 2253 asks; RFC 2253 lists them the other way round, comma separated.
 */
export function subjectToRfc2253(subject: string): string | null {
  const parts = subject.split('\n').filter((line) => line !== '');
  return parts.length === 0 ? null : parts.reverse().join(',');
}
