/**
 * HTTP Basic authentication against a password file that is re-read when it changes: the folder
 * is watched (editors and Kubernetes secrets replace files rather than write them), changes are
 * debounced, and a file that cannot be read or parsed keeps the users already loaded and logs one
 * error until it is fixed. bcrypt is slow on purpose, so a password it accepted is remembered (as
 * a keyed digest) until the file changes, rather than re-hashed on every request.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { parsePasswordFile, verifyPassword, type PasswordFile, type PasswordUser } from './password-file.ts';

const RELOAD_DEBOUNCE_MS = 100;

export interface BasicCredentials {
  readonly user: string;
  readonly password: string;
}

/** The credentials of an `Authorization: Basic …` header; null when it is not Basic or malformed. */
export function basicCredentials(authorization: string): BasicCredentials | null {
  const match = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(authorization);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class BasicUsers {
  private file: PasswordFile;
  private text: string;
  private broken = false;
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** user → keyed digest of the password bcrypt last accepted for them. */
  private readonly accepted = new Map<string, Buffer>();
  private readonly cacheKey = randomBytes(32);

  /** Throws (with the file's name, never its content) when the file cannot be read or parsed. */
  constructor(
    readonly path: string,
    private readonly logger: Logger,
  ) {
    this.text = readFileSync(path, 'utf8');
    this.file = parsePasswordFile(this.text);
    this.reportSkipped();
  }

  get size(): number {
    return this.file.users.size;
  }

  /** Starts following changes of the file. */
  watch(): void {
    const name = basename(this.path);
    try {
      // Every event in the folder: a secret mounted by Kubernetes changes through a symlinked folder.
      this.watcher = watch(dirname(this.path), { persistent: false }, () => this.scheduleReload());
      this.watcher.on('error', (error) => this.logger.error({ err: error, file: this.path }, 'cannot watch the password file; changes to it are not picked up'));
    } catch (error) {
      this.logger.error({ err: error, file: this.path }, `cannot watch the password file ${name}; changes to it are not picked up`);
    }
  }

  close(): void {
    this.watcher?.close();
    if (this.timer) clearTimeout(this.timer);
  }

  /** The user when the password is theirs, else null. */
  async authenticate({ user, password }: BasicCredentials): Promise<PasswordUser | null> {
    const found = this.file.users.get(user) ?? null;
    if (found?.credential.kind === 'bcrypt') {
      const digest = createHmac('sha256', this.cacheKey).update(password, 'utf8').digest();
      const known = this.accepted.get(user);
      if (known && timingSafeEqual(known, digest)) return found;
      const generation = this.file;
      if (!(await verifyPassword(found.credential, password))) return null;
      if (generation === this.file) this.accepted.set(user, digest);
      return found;
    }
    return (await verifyPassword(found?.credential ?? null, password)) ? found : null;
  }

  private scheduleReload(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reload(), RELOAD_DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Re-reads the file; public for a SIGHUP-style reload and for tests. */
  reload(): void {
    this.timer = null;
    let text: string;
    let file: PasswordFile;
    try {
      text = readFileSync(this.path, 'utf8');
      if (text === this.text) {
        this.broken = false;
        return;
      }
      file = parsePasswordFile(text);
    } catch (error) {
      if (!this.broken) {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.error({ file: this.path, reason }, 'cannot load the changed password file; the users loaded before stay in effect until it is fixed');
      }
      this.broken = true;
      return;
    }
    this.text = text;
    this.file = file;
    this.broken = false;
    this.accepted.clear();
    this.logger.info({ file: this.path, users: file.users.size }, 'password file reloaded');
    this.reportSkipped();
  }

  private reportSkipped(): void {
    for (const reason of this.file.skipped) this.logger.error({ file: this.path }, `password file: ${reason}; that user cannot log in`);
  }
}
