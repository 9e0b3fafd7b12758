/**
 * @parley/protocol — the wire contract (API.md) as TypeBox schemas. Each schema is at once the
 * runtime validator (server routes, WS frames), the OpenAPI/AsyncAPI source and the TS type the
 * SDK and web app use. Change API.md first, then this file.
 */
export * from './errors.js';
export * from './identity.js';
export * from './rooms.js';
export * from './messages.js';
export * from './realtime.js';
