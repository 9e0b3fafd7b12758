/**
 * `messages.reaction_count`: how many reactions a message holds, kept by a trigger on `reactions`
 * (so every writer keeps it, in the reaction's own transaction). History pages look a message's
 * reactions up only when it has any: on a page of 50 messages without reactions, 50 index probes
 * were a third of PostgreSQL's time for the page (docs/PERFORMANCE.md). Adding a column with a
 * constant default rewrites nothing (PostgreSQL 11+).
 */
export const sql = /* sql */ `
ALTER TABLE messages ADD COLUMN reaction_count integer NOT NULL DEFAULT 0;

UPDATE messages m SET reaction_count = r.n
FROM (SELECT message_id, count(*)::int AS n FROM reactions GROUP BY message_id) r
WHERE r.message_id = m.id;

CREATE FUNCTION parley_count_reactions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE messages SET reaction_count = reaction_count + 1 WHERE id = NEW.message_id;
    RETURN NEW;
  END IF;
  UPDATE messages SET reaction_count = reaction_count - 1 WHERE id = OLD.message_id;
  RETURN OLD;
END $$;

CREATE TRIGGER reactions_count AFTER INSERT OR DELETE ON reactions
  FOR EACH ROW EXECUTE FUNCTION parley_count_reactions();

CREATE FUNCTION parley_reset_reaction_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE messages SET reaction_count = 0 WHERE reaction_count <> 0;
  RETURN NULL;
END $$;

CREATE TRIGGER reactions_truncate_count AFTER TRUNCATE ON reactions
  FOR EACH STATEMENT EXECUTE FUNCTION parley_reset_reaction_counts();
`;
