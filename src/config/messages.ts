/**
 * How configuration problems and warnings are worded: each names the key, where it came from
 * and why, and never prints a secret.
 */

export interface RawValue {
  value: string;
  /** `file <path>` or `env <NAME>`, for messages. */
  source: string;
}

// Keys that were never validated may hold credentials: guess from the name.
export const looksSecret = (key: string): boolean => /password|secret|jaas|token|credential|user\.info|(^|\.)key$/i.test(key);

/** `user:password@` in a URL (a registry URL may carry them) is never printed. */
export const redactUrlCredentials = (text: string): string => text.replace(/(\/\/)[^/@\s"]*@/g, '$1(credentials hidden)@');

export const show = (value: string, secret: boolean): string => (secret ? '(secret, not shown)' : redactUrlCredentials(JSON.stringify(value)));

/** `key = "value" (source): <reason>; expected <expected>` */
export function invalid(key: string, raw: RawValue, expected: string, reason: string | undefined, secret: boolean): string {
  return redactUrlCredentials(`${key} = ${show(raw.value, secret)} (${raw.source}): ${reason ? `${reason}; ` : ''}expected ${expected}`);
}

/** `key = "value" (source): <reason>` for a key that is refused whatever its value's form. */
export function refused(key: string, raw: RawValue, reason: string): string {
  return `${key} = ${show(raw.value, looksSecret(key))} (${raw.source}): ${reason}`;
}

export function unknown(key: string, raw: RawValue, hint: string): string {
  const envHint = raw.source.startsWith('env ') ? ' (if that variable is not meant for the proxy, unset it)' : '';
  return `unknown key ${key} = ${show(raw.value, looksSecret(key))} (${raw.source})${envHint}: ${hint}`;
}

/** `key (source): <text>.` — one sentence; `text` says what happens, e.g. "ignored: …". */
export function warning(key: string, raw: RawValue, text: string): string {
  return `${key} (${raw.source}): ${text.replace(/\.?$/, '.')}`;
}
