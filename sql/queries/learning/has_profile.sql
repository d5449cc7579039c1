-- A row when the user ($1) has a profile.
SELECT 1 FROM @extschema@.personality_profiles WHERE user_id OPERATOR(pg_catalog.=) $1
