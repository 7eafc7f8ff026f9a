/** `raw` as a URL, or `undefined` where `new URL` throws (the SNS URL checks and the fan-out's). */
export function parseUrl(raw: string): URL | undefined {
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}
