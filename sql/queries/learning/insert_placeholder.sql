-- An empty learning state row for the user ($1), to be locked and then filled from
-- the profile (init_state).
INSERT INTO @extschema@.personality_learning_state (user_id, state)
VALUES ($1, '{}'::pg_catalog.float8[]) ON CONFLICT (user_id) DO NOTHING
