-- Per swipe table, the last refresh's high-water mark and the swipe rows below it.
SELECT h.swipe_table::pg_catalog.int8, h.swipes_until, h.swipes_counted
  FROM @extschema@.personality_model_sources h
