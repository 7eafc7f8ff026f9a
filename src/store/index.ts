/** The event store: suppression list, event history and dedupe, on D1 or SQLite. */
export { normalizeAddress } from './address.js';
export { createStoreApi, STORE_ROUTE_PATHS, type StoreApi } from './api.js';
export type { D1DatabaseLike, SqliteDatabaseLike } from './database.js';
export { type OpenSqlite, STORE_VARIABLES, storeFromEnv } from './env.js';
export { deliverThroughStore } from './pipeline.js';
export { createD1Store, createSqliteStore, suppressionReason } from './store.js';
export {
  type EventPage,
  type EventQuery,
  type EventStore,
  isEventStore,
  type StoreOptions,
  type Suppression,
} from './types.js';
