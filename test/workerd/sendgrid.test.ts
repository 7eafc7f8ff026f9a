/** Runs SendGrid's signed vectors inside workerd (the Cloudflare Workers runtime). */
import { it } from 'vitest';
import { freshKeyCases, vectorCases } from '../providers/sendgrid/vector-cases.js';

for (const { name, run } of [...vectorCases, ...freshKeyCases]) it(name, run);
