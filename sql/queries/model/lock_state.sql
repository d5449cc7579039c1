-- One refresh at a time: the model's state row, locked until the refresh commits (a
-- second refresh waits for the first, then reads what it wrote). No app role may
-- UPDATE the table, so none can take this lock. Returns whether an incremental
-- refresh may start from the stored model: it has been refreshed, and the people's
-- opinions (personality_model_people) were written by that refresh.
SELECT s.refreshed_at IS NOT NULL
       AND s.swipes_until IS NOT NULL
       AND s.people_until IS NOT NULL
       AND s.people_until OPERATOR(pg_catalog.=) s.swipes_until
  FROM @extschema@.personality_model_state s
 WHERE s.id
   FOR UPDATE
