/** The shape of one ESP in the `mailhooks send` table: its sample events and how it signs them. */
import type { TrackingEventType } from '../../events.js';

/** What a sample is built from: the recipients asked for and the clock. */
export interface SampleContext {
  readonly recipients: readonly string[];
  readonly now: Date;
}

/**
 * Which credential flags an ESP takes: `none` (SES: unsigned, shared-secret flags optional),
 * `unsigned` (no flags at all), `secret`, `shared-secret` (at least one of them) or `private-key`.
 */
export type CredentialKind = 'none' | 'unsigned' | 'secret' | 'shared-secret' | 'private-key';

/** The credential flags of `mailhooks send`; `privateKey` is the PEM text, already read. */
export interface Credentials {
  readonly secret?: string | undefined;
  readonly password?: string | undefined;
  readonly username?: string | undefined;
  readonly token?: string | undefined;
  readonly header?: { readonly name: string; readonly value: string } | undefined;
  readonly privateKey?: string | undefined;
}

/** One request as the ESP would send it. */
export interface SignedRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Builds one payload per request the ESP would send (a batch ESP sends one for every recipient). */
export type SampleBuilder = (sample: SampleContext) => readonly unknown[];

/** One ESP: adding an ESP to the command adds one of these to `CLI_PROVIDERS`. */
export interface CliProvider {
  /** The provider's name, as in `MAIL_WEBHOOK_PROVIDERS` and its default path. */
  readonly name: string;
  readonly credentials: CredentialKind;
  /** How it signs, for `send --list` and `--help`. */
  readonly signing: string;
  readonly events: Readonly<Partial<Record<TrackingEventType, SampleBuilder>>>;
  /** Signs one payload; `url` is `--to`, for ESPs that sign the URL too (Mandrill). */
  sign(payload: unknown, credentials: Credentials, now: Date, url: string): Promise<SignedRequest>;
}
