/** Fresh ids and timestamps for samples: every run sends events no receiver has seen. */

export const hex = (bytes: number): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');

export const uuid = (): string => crypto.randomUUID();

export const unixSeconds = (now: Date): number => Math.floor(now.getTime() / 1000);

/** One payload per recipient, for ESPs that send one event a request. */
export const perRecipient =
  (build: (recipient: string, now: Date) => unknown) =>
  (sample: { readonly recipients: readonly string[]; readonly now: Date }): unknown[] =>
    sample.recipients.map((recipient) => build(recipient, sample.now));
