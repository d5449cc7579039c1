-- The swipe tables of the last refresh, replaced by this one's (write_sources.sql).
DELETE FROM @extschema@.personality_model_sources
