import { exports } from 'cloudflare:workers';
import { expect, test } from 'vitest';

test('the Worker answers 404 off its routes', async () => {
  const response = await exports.default.fetch('http://example.com/nope');
  expect(response.status).toBe(404);
});
