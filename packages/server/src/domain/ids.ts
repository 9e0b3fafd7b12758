/**
 * Ids are UUIDs in the database but opaque strings on the wire. Anything that is not a UUID can
 * name nothing, so it is "not found" — checked here, before PostgreSQL would raise
 * `invalid input syntax for type uuid` (a 500) on it.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && UUID.test(value);
