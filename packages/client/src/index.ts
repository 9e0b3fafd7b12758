/**
 * @parley/client — the TypeScript SDK for Parley's REST and realtime API (Node 20+ and browsers).
 * The web app, the benchmarks and the end-to-end tests all talk to the server through it.
 */
export * from './backoff.js';
export * from './client.js';
export * from './http.js';
export * from './types.js';
export * from './realtime.js';
