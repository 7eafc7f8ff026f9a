/** The packaged Node server: `node dist/bin/node.js` (after `npm run build`). */
import { logStartupFailure } from '../adapters/_server.js';
import { serve } from '../adapters/node.js';

try {
  const server = serve();
  await server.ready;
  await server.finished;
  process.exit(0);
} catch (error) {
  logStartupFailure(error);
  process.exit(1);
}
