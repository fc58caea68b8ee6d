/**
 * One PKCS12 keystore holding several key entries, made with keytool from single-entry PKCS12
 * stores (tls.ts's `p12` files, password STORE_PASSWORD): the shape of a client keystore for SSL
 * principal propagation, one entry per principal.
 */
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { STORE_PASSWORD } from './tls.ts';

export interface KeystoreEntry {
  /** A PKCS12 store with one key entry. */
  p12: string;
  /** The alias in that store (tls.ts names it after the certificate's CN). */
  alias: string;
  /** The alias in the merged store; `alias` when omitted. */
  as?: string;
}

/** Imports each entry into `destination` (created, or added to), password STORE_PASSWORD; returns its path. */
export function mergeKeystores(entries: readonly KeystoreEntry[], destination: string): string {
  for (const { p12, alias, as = alias } of entries) {
    execFileSync('keytool', ['-importkeystore', '-noprompt', '-srckeystore', p12, '-srcstoretype', 'PKCS12', '-srcstorepass', STORE_PASSWORD, '-srcalias', alias,
      '-destkeystore', destination, '-deststoretype', 'PKCS12', '-deststorepass', STORE_PASSWORD, '-destalias', as], { cwd: dirname(destination), stdio: ['ignore', 'ignore', 'pipe'] });
  }
  return destination;
}

/** The aliases of the store's key entries, as `keytool -list` reports them, sorted. */
export function keyAliases(path: string, password = STORE_PASSWORD): string[] {
  const listing = execFileSync('keytool', ['-list', '-keystore', path, '-storetype', 'PKCS12', '-storepass', password], { encoding: 'utf8' });
  // "alice, Dec 1, 2026, PrivateKeyEntry, " — the date holds commas of its own.
  return [...listing.matchAll(/^([^,\n]+), .*, PrivateKeyEntry, ?$/gm)].map((m) => m[1]!).sort();
}
