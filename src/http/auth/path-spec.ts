/**
 * Jetty's servlet path specs, as `authentication.skip.paths` takes them: exact (`/health/live`),
 * prefix (`/v3/*`, which also matches `/v3` itself) and suffix (`*.json`).
 *
 * Which spec governs a path follows the servlet rules Jetty applies to constraint mappings: an
 * exact match first, then the longest matching prefix, then a suffix. Confluent's proxy maps
 * `/*` to "authenticate" and each skip path to "do not", so a skip path only wins where it beats
 * `/*`: exact and prefix specs do, a suffix spec never does (see docs/SECURITY.md).
 */

export type PathSpecGroup = 'exact' | 'prefix' | 'suffix';

export interface PathSpec {
  readonly spec: string;
  readonly group: PathSpecGroup;
  /** exact: the path; prefix: the path before `/*` (`''` for `/*`); suffix: `.ext`. */
  readonly value: string;
}

/** The spec, or the reason it is not one Jetty accepts. */
export function parsePathSpec(spec: string): PathSpec | string {
  if (spec.startsWith('*.')) {
    if (spec.includes('/') || spec.indexOf('*', 1) !== -1) return `"${spec}": a suffix spec is *.<extension>, without / or another *`;
    return { spec, group: 'suffix', value: spec.slice(1) };
  }
  if (!spec.startsWith('/')) return `"${spec}": a path spec starts with / or *.`;
  if (spec.endsWith('/*')) {
    const value = spec.slice(0, -2);
    if (value.includes('*')) return `"${spec}": * may only end a prefix spec (/path/*)`;
    return { spec, group: 'prefix', value };
  }
  if (spec.includes('*')) return `"${spec}": * may only end a prefix spec (/path/*) or start a suffix spec (*.ext)`;
  return { spec, group: 'exact', value: spec };
}

export function pathSpecMatches(spec: PathSpec, path: string): boolean {
  switch (spec.group) {
    case 'exact':
      return path === spec.value;
    case 'prefix':
      return path === spec.value || path.startsWith(`${spec.value}/`);
    case 'suffix':
      return path.endsWith(spec.value);
  }
}

const RANK: Record<PathSpecGroup, number> = { exact: 0, prefix: 1, suffix: 2 };

/** Servlet precedence among the specs that match `path`: exact, longest prefix, then suffix. */
export function bestMatch(specs: readonly PathSpec[], path: string): PathSpec | null {
  let best: PathSpec | null = null;
  for (const spec of specs) {
    if (!pathSpecMatches(spec, path)) continue;
    if (best === null || RANK[spec.group] < RANK[best.group] || (spec.group === best.group && spec.value.length > best.value.length)) best = spec;
  }
  return best;
}

const AUTHENTICATE_ALL: PathSpec = { spec: '/*', group: 'prefix', value: '' };

/**
 * Whether a request path goes without authentication: a skip spec must govern it against the
 * global `/*`; at a tie (a skip path of `/*` itself) Jetty's unauthenticated constraint wins.
 */
export function isSkipped(skipPaths: readonly PathSpec[], path: string): boolean {
  const best = bestMatch([...skipPaths, AUTHENTICATE_ALL], path);
  return best !== null && best !== AUTHENTICATE_ALL;
}
