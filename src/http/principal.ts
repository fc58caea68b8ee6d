/**
 * Who made a request, once authentication has accepted it: set on `ctx.state.principal` by the
 * authentication middleware, undefined when authentication is off and no client certificate was
 * verified. Later layers (rate limits per principal, principal propagation) read it from there.
 */
export interface Principal {
  /** Basic: the user name; Bearer: the configured claim (default `sub`); certificate: the subject DN (RFC 2253). */
  readonly name: string;
  /** Basic: the roles of the password file; Bearer: the groups claim; certificate: none. */
  readonly roles: readonly string[];
  readonly via: 'basic' | 'bearer' | 'certificate';
}

declare module 'koa' {
  interface DefaultState {
    principal?: Principal | undefined;
  }
}
