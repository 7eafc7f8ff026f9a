/** The route record of a provider that answers POST only, as most ESPs send. */
import type { Provider } from './types.js';

/** A provider that answers POST at `path` (its name when unset). */
export const postProvider = (
  name: string,
  path: string | undefined,
  start: Provider['start'],
): Provider => ({ name, path: path ?? name, methods: ['POST'], start });
