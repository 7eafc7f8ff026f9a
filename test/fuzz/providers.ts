/** Every registered provider, built with dummy but valid settings, for tests that cover them all. */
import { BUILTIN_PROVIDERS } from '../../src/providers/registry.js';
import type { Provider } from '../../src/providers/types.js';
import postalVectors from '../fixtures/esps/postal/vectors/vectors.json';
import { buildCertificate, generateSigningKeys, toPem } from '../helpers/signing.js';

const _P256_SPKI = await (async () => {
  const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const spki = new Uint8Array(
    (await crypto.subtle.exportKey('spki', keys.publicKey)) as ArrayBuffer,
  );
  return btoa(String.fromCharCode(...spki));
})();

/** A CA certificate for Scaleway's `trustAnchors` (no message here is signed by it). */
const _TRUST_ANCHOR = toPem(await buildCertificate(await generateSigningKeys(), { names: [] }));

const _ED25519_RAW = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));

/** A Standard Webhooks secret: `whsec_` and base64 of 32 bytes. */
export const DUMMY_WHSEC = `whsec_${btoa('0123456789abcdef0123456789abcdef')}`;

/**
 * Settings known to build each provider. A provider added to the registry and missing here is
 * tried generically (each secret setting alone, with each candidate value below).
 */
export const KNOWN_SETTINGS: Readonly<Record<string, Record<string, unknown>>> = {
  ses: { allowAnyTopic: true },
  resend: { secret: DUMMY_WHSEC },
  loops: { secret: DUMMY_WHSEC },
  sendgrid: { publicKey: _P256_SPKI },
  mailgun: { signingKey: 'dummy-signing-key' },
  postmark: { password: 'dummy-password' },
  brevo: { password: 'dummy-password' },
  mailjet: { password: 'dummy-password' },
  sparkpost: { password: 'dummy-password' },
  'ses-eventbridge': { token: 'dummy-token' },
  mandrill: { webhookKey: 'dummy-key', url: 'https://example.com/webhooks/mail/mandrill' },
  mailersend: { secret: 'dummy-secret' },
  mailtrap: { secret: 'dummy-secret' },
  // Postal's CI key (RSA), as its signed vectors use.
  postal: { publicKey: postalVectors.public_key_spki_base64 },
  mailpace: { publicKey: _ED25519_RAW },
  'unisender-go': { apiKey: 'dummy-api-key' },
  scaleway: {
    topicArns: ['arn:scw:sns:fr-par:project-00000000-0000-4000-8000-000000000000:tem'],
    trustAnchors: _TRUST_ANCHOR,
  },
};

const _CANDIDATES = [DUMMY_WHSEC, _P256_SPKI, _ED25519_RAW, 'dummy-secret-value'];

export interface BuiltProviders {
  readonly providers: Provider[];
  /** Providers that could not be built, each with what was tried and why it failed. */
  readonly skipped: { name: string; reason: string }[];
}

function _attempts(name: string, settings: Readonly<Record<string, string>>) {
  const attempts: Record<string, unknown>[] = [];
  const known = KNOWN_SETTINGS[name];
  if (known) attempts.push(known);
  attempts.push({});
  for (const [option, kind] of Object.entries(settings)) {
    if (kind !== 'secret' && kind !== 'string') continue;
    for (const value of _CANDIDATES) attempts.push({ [option]: value });
  }
  return attempts;
}

/**
 * Builds every provider in `BUILTIN_PROVIDERS` (the list grows as ESPs are added) with dummy
 * settings, verification on. `overrides` replaces the settings of the providers it names.
 */
export function buildAllProviders(
  overrides: Readonly<Record<string, Record<string, unknown>>> = {},
): BuiltProviders {
  const providers: Provider[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const entry of BUILTIN_PROVIDERS) {
    const override = overrides[entry.name];
    const attempts = override ? [override] : _attempts(entry.name, entry.settings);
    let last = 'no attempt';
    let built: Provider | undefined;
    for (const options of attempts) {
      try {
        built = entry.create(options);
        break;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
    }
    if (built) providers.push(built);
    else {
      const settings = Object.entries(entry.settings)
        .map(([option, kind]) => `${option} (${kind})`)
        .join(', ');
      skipped.push({
        name: entry.name,
        reason: `no dummy settings build it (settings: ${settings}); last error: ${last}; add it to KNOWN_SETTINGS in test/fuzz/providers.ts`,
      });
    }
  }
  return { providers, skipped };
}
