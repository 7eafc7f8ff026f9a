import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Two projects: the core and adapters under Node, and the Worker inside workerd.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/workerd/**', '**/node_modules/**'],
        },
      },
      {
        plugins: [
          cloudflareTest({
            main: './src/adapters/cloudflare.ts',
            wrangler: { configPath: './wrangler.toml' },
            // The shipped default config has no queue; the queue tests get a producer binding
            // (no consumer: they drive queue() themselves, so nothing runs in the background).
            miniflare: {
              queueProducers: { MAIL_WEBHOOK_QUEUE: { queueName: 'mailhooks-events-test' } },
            },
          }),
        ],
        test: {
          name: 'workerd',
          include: ['test/workerd/**/*.test.ts'],
        },
      },
    ],
  },
});
