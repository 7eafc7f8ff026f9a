/** "Did you mean …?": the closest known name to a typo, by edit distance. */

/**
 * Edit distance with two adjacent letters swapped counting as one edit (optimal string alignment:
 * `sinsk` is 1 from `sinks`, as close as a dropped letter), three rows at a time; both strings are
 * short names.
 */
function _distance(a: string, b: string): number {
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        substitution,
        // Out of range on the first row or column: undefined never equals a letter.
        a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]
          ? (before[j - 2] as number) + 1
          : substitution,
      );
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] as number;
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
 * `maxBodyBytes`) beats any edit distance but 1, the nearest in length first: a dropped word is
 * too many edits, yet the likeliest typo.
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
    // Held names score between 1 and 2: after one edit (`sse` is ses, not ses-eventbridge),
    // before two.
    const score = held
      ? 1 + Math.abs(lower.length - wanted.length) / 1e3
      : _distance(wanted, lower);
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
