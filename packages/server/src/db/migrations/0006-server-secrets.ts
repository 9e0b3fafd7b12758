/**
 * Secrets the nodes of one deployment must share and that Parley generates itself when the
 * operator did not set them (today: the JWT signing secret when JWT_SECRET is unset and the
 * database is external, so every node sharing the database signs and verifies alike).
 */
export const sql = /* sql */ `
CREATE TABLE server_secrets (
  name        text PRIMARY KEY,
  value       text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
`;
