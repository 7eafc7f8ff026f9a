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

/** The known name closest to `name` (case-insensitive), or undefined when none is close. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.ceil(wanted.length / 3)) + 1;
  for (const candidate of known) {
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
