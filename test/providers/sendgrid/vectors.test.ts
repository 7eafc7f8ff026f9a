/** SendGrid's signed vectors under Node (the workerd runner is test/workerd/sendgrid.test.ts). */
import { test } from 'vitest';
import { freshKeyCases, vectorCases } from './vector-cases.js';

for (const { name, run } of [...vectorCases, ...freshKeyCases]) test(name, run);
