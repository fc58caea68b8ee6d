/**
 * Jetty's password properties file (PropertyUserStore, which Confluent's JAAS
 * `PropertyFileLoginModule` reads): one `user: credential[,role…]` per line, Java properties syntax.
 *
 * Credentials: plain text, `MD5:<hex digest>` (Jetty's), and bcrypt (`$2a$`, `$2b$`, `$2y$`), which
 * Jetty lacks. Jetty's `OBF:` and `CRYPT:` are not supported: such a user is left out and reported,
 * never compared as plain text. Comparisons take constant time in the secret.
 */
import bcrypt from 'bcryptjs';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseProperties } from '../../config/properties.ts';

export type Credential =
  | { readonly kind: 'plain'; readonly digest: Buffer }
  | { readonly kind: 'md5'; readonly digest: Buffer }
  | { readonly kind: 'bcrypt'; readonly hash: string };

export interface PasswordUser {
  readonly credential: Credential;
  readonly roles: readonly string[];
}

export interface PasswordFile {
  readonly users: ReadonlyMap<string, PasswordUser>;
  /** Users left out, with why (never the credential). */
  readonly skipped: readonly string[];
}

// Plain passwords are kept and compared as keyed digests: equal length, nothing to read back.
const KEY = randomBytes(32);
const keyed = (secret: string): Buffer => createHmac('sha256', KEY).update(secret, 'utf8').digest();

const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
const MD5_HEX = /^[0-9a-fA-F]{32}$/;

function parseCredential(raw: string): Credential | string {
  if (raw.startsWith('MD5:')) {
    const hex = raw.slice(4);
    return MD5_HEX.test(hex) ? { kind: 'md5', digest: Buffer.from(hex, 'hex') } : 'its MD5: credential is not 32 hex digits';
  }
  if (raw.startsWith('OBF:')) return "Jetty's OBF: credentials are not supported (use MD5: or bcrypt)";
  if (raw.startsWith('CRYPT:')) return "Jetty's CRYPT: credentials are not supported (use MD5: or bcrypt)";
  if (raw.startsWith('$2')) return BCRYPT.test(raw) ? { kind: 'bcrypt', hash: raw } : 'its bcrypt hash is malformed';
  return { kind: 'plain', digest: keyed(raw) };
}

/** Throws PropertiesSyntaxError on a malformed file; a bad line only leaves its user out. */
export function parsePasswordFile(text: string): PasswordFile {
  const users = new Map<string, PasswordUser>();
  const skipped: string[] = [];
  for (const [name, value] of parseProperties(text.replace(/^\uFEFF/, ''))) {
    if (name === '') continue;
    // As Jetty: the credential runs to the first comma, roles follow, blanks trimmed.
    const comma = value.indexOf(',');
    const raw = (comma === -1 ? value : value.slice(0, comma)).trim();
    const roles = comma === -1 ? [] : value.slice(comma + 1).split(',').map((r) => r.trim()).filter((r) => r !== '');
    const credential = parseCredential(raw);
    if (typeof credential === 'string') skipped.push(`user ${JSON.stringify(name)}: ${credential}`);
    else users.set(name, { credential, roles });
  }
  return { users, skipped };
}

// Compared against when the user is unknown, so an unknown name costs what a wrong password does.
const NOBODY: Credential = { kind: 'plain', digest: keyed(randomBytes(16).toString('hex')) };

/** Whether `password` matches; `credential` null (unknown user) still spends a comparison. */
export async function verifyPassword(credential: Credential | null, password: string): Promise<boolean> {
  const c = credential ?? NOBODY;
  let ok: boolean;
  switch (c.kind) {
    case 'plain':
      ok = timingSafeEqual(keyed(password), c.digest);
      break;
    case 'md5':
      ok = timingSafeEqual(createHash('md5').update(password, 'utf8').digest(), c.digest);
      break;
    case 'bcrypt':
      // bcryptjs knows only $2a$/$2b$; $2y$ is the same algorithm under PHP's name.
      ok = await bcrypt.compare(password, c.hash.replace(/^\$2y\$/, '$2b$'));
      break;
  }
  return ok && credential !== null;
}
