/**
 * Bearer authentication: a JWT (RFC 7519) signed with an asymmetric key, verified with jose.
 * Keys come from a PEM public key file, a JWKS file, or a JWKS endpoint (fetched and cached by
 * jose, refetched when a token names an unknown key id). The token must carry `exp`; issuer and
 * audience are checked when configured; expiry and not-before allow a small clock skew.
 */
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { BearerSettings } from '../../config/auth-settings.ts';

export interface BearerIdentity {
  readonly name: string;
  readonly roles: readonly string[];
}

/** A token refused, with a reason safe to send back (it never quotes the token). */
export class InvalidToken extends Error {
  override readonly name = 'InvalidToken';
}

const ALGORITHMS: Record<string, string[]> = {
  rsa: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  'rsa-pss': ['PS256', 'PS384', 'PS512'],
  ec: ['ES256', 'ES384', 'ES512'],
  ed25519: ['EdDSA', 'Ed25519'],
  ed448: ['EdDSA'],
};
/** Asymmetric algorithms only: a JWKS must never make a public key usable as an HMAC secret. */
const ASYMMETRIC = [...new Set(Object.values(ALGORITHMS).flat())];

type Key = KeyObject | JWTVerifyGetKey;

/** Throws with the file named (never its content) when the key material cannot be loaded. */
function loadKey(settings: BearerSettings): { key: Key; algorithms: string[] } {
  if (settings.publicKeyFile) {
    const key = createPublicKey(readFileSync(settings.publicKeyFile, 'utf8'));
    const algorithms = ALGORITHMS[key.asymmetricKeyType ?? ''];
    if (!algorithms) throw new Error(`${settings.publicKeyFile}: unsupported key type ${key.asymmetricKeyType}`);
    return { key, algorithms };
  }
  if (settings.jwksFile) {
    const jwks = JSON.parse(readFileSync(settings.jwksFile, 'utf8')) as Parameters<typeof createLocalJWKSet>[0];
    if (!Array.isArray(jwks?.keys)) throw new Error(`${settings.jwksFile}: not a JWKS (no "keys" array)`);
    return { key: createLocalJWKSet(jwks), algorithms: ASYMMETRIC };
  }
  return { key: createRemoteJWKSet(new URL(settings.jwksEndpointUrl!)), algorithms: ASYMMETRIC };
}

export class BearerVerifier {
  private readonly key: Key;
  private readonly algorithms: string[];

  constructor(private readonly settings: BearerSettings) {
    ({ key: this.key, algorithms: this.algorithms } = loadKey(settings));
  }

  /** The identity in a valid token; throws InvalidToken otherwise. */
  async verify(token: string): Promise<BearerIdentity> {
    let payload: JWTPayload;
    try {
      const options = {
        algorithms: this.algorithms,
        clockTolerance: this.settings.clockSkewSeconds,
        requiredClaims: ['exp'],
        ...(this.settings.issuer ? { issuer: this.settings.issuer } : {}),
        ...(this.settings.audiences.length ? { audience: [...this.settings.audiences] } : {}),
      };
      // Two calls rather than a union: jose types a KeyObject and a key function apart.
      const verified = typeof this.key === 'function' ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      payload = verified.payload;
    } catch (error) {
      throw new InvalidToken(describe(error));
    }
    const name = payload[this.settings.subClaimName];
    if (typeof name !== 'string' || name === '') throw new InvalidToken(`the token has no "${this.settings.subClaimName}" claim naming the principal`);
    return { name, roles: groups(payload[this.settings.groupsClaimName]) };
  }
}

/** A groups claim is a list of names, or one name (some issuers send a string for a single group). */
function groups(claim: unknown): string[] {
  if (typeof claim === 'string') return claim === '' ? [] : [claim];
  if (Array.isArray(claim)) return claim.filter((g): g is string => typeof g === 'string');
  return [];
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's "${error.claim}" claim is not accepted`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no known key matches the token';
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's signing algorithm is not accepted";
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC') return 'the token cannot be verified';
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) return 'the token is malformed';
  return 'the token cannot be verified';
}
