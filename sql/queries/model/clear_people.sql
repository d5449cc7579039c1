-- A full refresh writes every person's opinions again (DELETE, never TRUNCATE: the
-- next refresh may start while this one's readers still hold the old rows).
DELETE FROM @extschema@.personality_model_people
