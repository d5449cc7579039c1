-- What the refresh reads of each attached swipe table (_personality_model_inputs:
-- the qualified name, the direction and time expressions, whether it can be read,
-- what to warn about).
SELECT i.swipe_table::pg_catalog.int8, i.tab, i.dir, i.ts, i.readable, i.warning
  FROM @extschema@._personality_model_inputs() i
 ORDER BY i.swipe_table
