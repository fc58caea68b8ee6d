/**
 * Content negotiation as Jersey does it for Confluent's proxy: for each offered type the most
 * specific Accept range that matches it gives its q; the client's q decides first and the server's
 * qs only breaks ties (Jersey's CombinedMediaType comparator); a missing Accept means anything.
 * An `explicit` offer (an extension) is matched by its exact range only.
 * Request Content-Type is matched without its parameters (charset and the like).
 */
import type { Offer } from './media-types.ts';

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || !header.trim()) return [{ type: '*', subtype: '*', q: 1 }];
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [mediaType = '', ...params] = part.split(';').map((s) => s.trim());
    const [type, subtype] = mediaType.toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((s) => s.trim());
      if (name?.toLowerCase() === 'q') q = clampQuality(Number(value));
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

function clampQuality(q: number): number {
  return Number.isFinite(q) ? Math.min(1, Math.max(0, q)) : 0;
}

/** How specifically a range matches a type: 3 exact, 2 `type/*`, 1 `*\/*`, 0 no match. */
function specificity(range: MediaRange, type: string): number {
  const [t, s] = type.split('/');
  if (range.type === t && range.subtype === s) return 3;
  if (range.type === t && range.subtype === '*') return 2;
  if (range.type === '*' && range.subtype === '*') return 1;
  return 0;
}

/** The offer to respond with, or null when nothing offered is acceptable (406). */
export function negotiate(acceptHeader: string | undefined, offers: readonly Offer[]): string | null {
  const ranges = parseAccept(acceptHeader);
  let best: { type: string; q: number; qs: number } | null = null;
  for (const offer of offers) {
    let match: MediaRange | null = null;
    let matchSpecificity = 0;
    for (const range of ranges) {
      const s = specificity(range, offer.type);
      if (s > matchSpecificity) [match, matchSpecificity] = [range, s];
    }
    if (!match || match.q <= 0 || offer.qs <= 0 || (offer.explicit && matchSpecificity < 3)) continue;
    if (!best || match.q > best.q || (match.q === best.q && offer.qs > best.qs)) {
      best = { type: offer.type, q: match.q, qs: offer.qs };
    }
  }
  return best?.type ?? null;
}

/** The request's media type without parameters, lower-cased; undefined when absent. */
export function requestMediaType(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  return type || undefined;
}
