/** Lets the retention job find old events by age without scanning the whole log. */
export const sql = /* sql */ `
CREATE INDEX events_created_at_idx ON events (created_at);
`;
