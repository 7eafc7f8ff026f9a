/** The providers a handler receives from when none are given: SES, as in the reference. */
import { ses } from './ses/index.js';
import type { Provider } from './types.js';

export const defaultProviders = (): Provider[] => [ses()];
