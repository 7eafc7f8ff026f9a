/**
 * The README's first walkthrough, as printed: `examples/sns-bounce.json` posted with the curl at
 * the top to the Worker `npm start` runs (wrangler.toml's [vars], signatures off) answers the
 * JSON the README shows and logs the lines it shows; and, as "Use it as a library" says, a
 * handler that verifies signatures refuses that example `message-too-old`, and with a fresh
 * `Timestamp` `signature-invalid`. And the Options and Environment variables tables: every option
 * the handler knows, each default it fills in, each variable the option it sets; and the fan-out
 * settings' defaults and bounds.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/config.js';
import { createHandlerFromEnv, optionsFromEnv } from '../../src/env/index.js';
import { createMailWebhookHandler, ses } from '../../src/index.js';
import { DEFAULT_FANOUT_RETRIES, DEFAULT_FANOUT_TIMEOUT_MS } from '../../src/sinks/fanout.js';
import { memoryLogger } from '../helpers/envelope.js';

const root = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const example = readFileSync(join(root, 'examples/sns-bounce.json'), 'utf8');

/** The README's first ```sh block that posts the example, and the block after it (the log). */
function walkthrough() {
  const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
  const index = blocks.findIndex(
    (block) => block[1] === 'sh' && (block[2] ?? '').includes('@examples/sns-bounce.json'),
  );
  const curl = blocks[index]?.[2] ?? '';
  const headers = Object.fromEntries(
    [...curl.matchAll(/-H '([^:]+): ([^']+)'/g)].map((match) => [match[1], match[2]]),
  );
  const answer = /^# (\{.*\})$/m.exec(curl)?.[1];
  const path = /http:\/\/127\.0\.0\.1:8787(\/\S+)/.exec(curl)?.[1];
  const logLines = (blocks[index + 1]?.[2] ?? '').trim().split('\n');
  return { headers, answer, path, logLines };
}

/** The `"key":"value"` pairs a printed log line shows; a value with `…` is a prefix. */
function printedFields(line: string): [string, string][] {
  return [...line.matchAll(/"(\w+)":"([^"]*)"/g)].map((match) => [match[1] ?? '', match[2] ?? '']);
}

describe('the README walkthrough at the top', () => {
  it('npm start: the curl shown answers the JSON shown and logs the lines shown', async () => {
    const { headers, answer, path, logLines } = walkthrough();
    expect(path).toBe('/webhooks/mail/ses');
    expect(Object.keys(headers)).toEqual(['x-amz-sns-message-type', 'x-amz-sns-message-id']);
    const { logger, lines } = memoryLogger();
    // wrangler.toml's [vars], and the variable `npm start` adds.
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_BASE_PATH: '/webhooks/mail',
        MAIL_WEBHOOK_PROVIDERS: 'ses',
        MAIL_WEBHOOK_SINKS: 'memory',
        MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
      },
      { logger },
    );
    const response = await handle(
      new Request(`http://127.0.0.1:8787${path}`, { method: 'POST', headers, body: example }),
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(answer);

    const events = lines.filter((line) => line.msg === 'event');
    expect(events).toHaveLength(logLines.length);
    for (const [i, printed] of logLines.entries()) {
      const line = events[i];
      const logged: Record<string, unknown> = {
        level: line?.level,
        msg: line?.msg,
        ...line?.fields,
      };
      for (const [key, value] of printedFields(printed)) {
        if (key === 'time') continue;
        const [prefix = '', rest] = value.split('…');
        if (rest === undefined) expect(String(logged[key]), key).toBe(value);
        else
          expect(String(logged[key]).startsWith(prefix), `${key} starts with ${prefix}`).toBe(true);
      }
    }
  });

  it('a handler that verifies: message-too-old, then signature-invalid with a fresh Timestamp', async () => {
    const { headers, path } = walkthrough();
    const now = new Date('2026-06-01T00:00:00Z');
    const handle = createMailWebhookHandler({
      providers: [ses({ topicArns: ['arn:aws:sns:us-east-1:123456789012:ses-events'] })],
      now: () => now,
      logger: memoryLogger().logger,
    });
    const post = (body: string) =>
      handle(new Request(`http://127.0.0.1:8787${path}`, { method: 'POST', headers, body }));
    expect(readme).toContain('`403 message-too-old`');
    let response = await post(example);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'message-too-old' });

    expect(readme).toContain('with a fresh `Timestamp`, `signature-invalid`');
    const fresh = { ...JSON.parse(example), Timestamp: now.toISOString() };
    response = await post(JSON.stringify(fresh));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'signature-invalid' });
  });
});

/** `| \`name\` | default | last cell |` rows of the table under `heading`, up to the next heading. */
function tableRows(heading: string): { name: string; value: string; last: string }[] {
  const start = readme.indexOf(`\n${heading}\n`);
  const section = readme.slice(start + 1, readme.indexOf('\n#', start + heading.length + 1));
  return [...section.matchAll(/^\| `([^`]+)` \| ([^|]*) \|.*?([^|]*) \|$/gm)].map((match) => ({
    name: match[1] ?? '',
    value: (match[2] ?? '').trim(),
    last: (match[3] ?? '').trim(),
  }));
}

describe("the README's option and variable tables", () => {
  const options = tableRows('### Options');

  it('Options lists every option the handler knows, and no other', () => {
    let known = '';
    try {
      createMailWebhookHandler({ zzzzqqq: 1 } as never);
    } catch (error) {
      known = String(error).split('known options: ')[1] ?? '';
    }
    expect(options.map((row) => row.name).sort()).toEqual(known.split(', ').sort());
  });

  it('each default in Options is the one the handler fills in', () => {
    const resolved = resolveOptions() as unknown as Record<string, unknown>;
    const literal = options.filter((row) => /^`[\w/]+`$/.test(row.value));
    expect(literal.map((row) => row.name)).toEqual([
      'basePath',
      'enabled',
      'maxBodyBytes',
      'bodyTimeoutMs',
      'deliveryTimeoutMs',
      'listenerTimeoutMs',
      'fetchTimeoutMs',
    ]);
    for (const row of literal) expect(`\`${resolved[row.name]}\``, row.name).toBe(row.value);
  });

  it('each variable in Environment variables sets its option, and its default is the one read', () => {
    const rows = tableRows('### Environment variables').filter(
      (row) => /^MAIL_WEBHOOK_[A-Z_]+$/.test(row.name) && /^`\w+`$/.test(row.last),
    );
    expect(rows.map((row) => row.name)).toContain('MAIL_WEBHOOK_FETCH_TIMEOUT_MS');
    const defaults = resolveOptions(optionsFromEnv({})) as unknown as Record<string, unknown>;
    for (const row of rows) {
      const option = row.last.slice(1, -1);
      const value = option === 'basePath' ? '/other' : option === 'enabled' ? 'true' : '1234';
      const read = optionsFromEnv({ [row.name]: value }) as Record<string, unknown>;
      expect(String(read[option]), row.name).toBe(value);
      expect(row.value.startsWith(`\`${defaults[option]}\``), row.name).toBe(true);
    }
  });
});

describe("the README's sink settings table", () => {
  const rows = Object.fromEntries(tableRows('### Settings').map((row) => [row.name, row]));
  const WHSEC = `whsec_${btoa('readme-sink-settings-32-bytes!!!')}`;
  const fanout = (extra: Record<string, string>) => () =>
    createHandlerFromEnv(
      {
        MAIL_WEBHOOK_SINKS: 'fanout',
        MAIL_WEBHOOK_FANOUT_ENDPOINTS:
          '[{"url": "https://crm.example.com/hooks", "secret": "env:S"}]',
        S: WHSEC,
        ...extra,
      },
      { logger: memoryLogger().logger },
    );

  it.each([
    ['MAIL_WEBHOOK_FANOUT_TIMEOUT_MS', DEFAULT_FANOUT_TIMEOUT_MS, 600_000],
    ['MAIL_WEBHOOK_FANOUT_RETRIES', DEFAULT_FANOUT_RETRIES, 10],
  ])('%s: the default and the bound shown are the ones read', (name, fallback, most) => {
    expect(rows[name]?.value).toBe(`\`${fallback}\``);
    expect(rows[name]?.last).toContain(`at most ${most}`);
    expect(fanout({ [name]: String(most) })).not.toThrow();
    expect(fanout({ [name]: String(most + 1) })).toThrow(`${name}: expected at most ${most}`);
  });
});
