/**
 * "Did you mean …?" for an unknown key: the known key closest to it, if close enough to be the
 * same key mistyped. Closeness is the optimal string alignment distance (Levenshtein plus
 * swapped neighbours, the commonest typo), compared per character.
 */

/** Edits (insert, delete, replace, swap two neighbours) turning `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Mistakes tolerated for a key of this length: short keys must be nearly exact, long ones may
 * lose a whole `.ms` suffix (`consumer.request.timeout` → `consumer.request.timeout.ms`).
 */
const tolerance = (key: string): number => Math.max(1, Math.min(4, Math.floor(key.length / 6)));

/**
 * The known key `key` most likely meant, or null (case is ignored). Ties go to the earlier key in
 * `known`, so callers list their most common keys first.
 */
export function didYouMean(key: string, known: Iterable<string>): string | null {
  const wanted = key.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    if (candidate === key) continue;
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== null && bestDistance <= tolerance(key) ? best : null;
}
