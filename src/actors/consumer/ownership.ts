/**
 * Who may use a v2 consumer instance. An instance created by an authenticated principal is
 * theirs alone; one created without a principal (authentication off) is anyone's, as in
 * Confluent's proxy. Anyone else is told the instance does not exist (40403), never 403, so
 * instance names of other principals do not leak through the instance routes.
 */

/** True when `principal` (the caller's name, undefined when unauthenticated) may use an instance of `owner`. */
export function mayUse(owner: string | undefined, principal: string | undefined): boolean {
  return owner === undefined || owner === principal;
}
