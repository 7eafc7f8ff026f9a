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
 * The known name closest to `name` (case-insensitive), or undefined when none is close. A name
 * that holds the other's letters in order (`maxAge` → `maxAgeSeconds`, `maxBytes` →
 * `maxBodyBytes`) beats any edit distance, the nearest in length first: a dropped word is too many
 * edits, yet the likeliest typo.
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  // At most a third of the name, but 3 edits for any name of 5 letters or more (`providrs`);
  // a name of 4 letters or fewer takes 1 edit (so `foo` is not taken for `now`).
  let bestScore = (wanted.length <= 4 ? 1 : Math.max(3, Math.ceil(wanted.length / 3))) + 1;
  for (const candidate of known) {
    const lower = candidate.toLowerCase();
    const held =
      wanted.length > 2 &&
      lower.length > 2 &&
      (_isSubsequence(wanted, lower) || _isSubsequence(lower, wanted));
    // Held names score below 1, any distance 1 or more.
    const score = held ? Math.abs(lower.length - wanted.length) / 1e3 : _distance(wanted, lower);
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** "; did you mean X?" for a suggestion, else "". */
export const meanHint = (closest: string | undefined): string =>
  closest ? `; did you mean ${closest}?` : '';

/** "; did you mean X?" when a close name exists, else "". */
export const didYouMean = (name: string, known: Iterable<string>): string =>
  meanHint(closestName(name, known));
