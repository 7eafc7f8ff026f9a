/** "Did you mean …?": the closest known name to a typo, by edit distance. */

/** Levenshtein distance, two rows at a time; both strings are short names. */
function _distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Whether every character of `short` appears in `long`, in order. */
function _isSubsequence(short: string, long: string): boolean {
  let at = 0;
  for (const char of long) if (char === short[at]) at++;
  return at === short.length;
}

/**
 * A known name that holds `wanted` or is held by it, letters in order (`maxAge` → `maxAgeSeconds`,
 * `maxBytes` → `maxBodyBytes`, `rawDelivery` → `allowRawDelivery`): a dropped word is too many
 * edits for the distance, yet the likeliest typo. The nearest in length wins.
 */
function _containing(wanted: string, known: Iterable<string>): string | undefined {
  if (wanted.length < 3) return undefined;
  let best: string | undefined;
  let bestGap = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const lower = candidate.toLowerCase();
    const held = _isSubsequence(wanted, lower) || _isSubsequence(lower, wanted);
    if (lower.length < 3 || !held) continue;
    const gap = Math.abs(lower.length - wanted.length);
    if (gap < bestGap) {
      best = candidate;
      bestGap = gap;
    }
  }
  return best;
}

/** The known name closest to `name` (case-insensitive), or undefined when none is close. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  const names = [...known];
  const held = _containing(wanted, names);
  if (held !== undefined) return held;
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.ceil(wanted.length / 3)) + 1;
  for (const candidate of names) {
    const distance = _distance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** "; did you mean X?" when a close name exists, else "". */
export const didYouMean = (name: string, known: Iterable<string>): string => {
  const closest = closestName(name, known);
  return closest ? `; did you mean ${closest}?` : '';
};
