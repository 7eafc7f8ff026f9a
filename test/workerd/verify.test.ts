/** Runs the shared SNS verification cases inside workerd (the Cloudflare Workers runtime). */
import { it } from 'vitest';
import { verifyCases } from '../ses/verify-cases.js';

for (const { name, run } of verifyCases) it(name, run);
