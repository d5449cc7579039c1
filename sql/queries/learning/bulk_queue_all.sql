-- Queues every swipe of the statement (its learning failed and was rolled back), each
-- tagged with the profile it was made under (as enqueue.sql).
-- @new_rows@ and @direction@ as in bulk_read_swipes.sql.
INSERT INTO @extschema@.personality_learning_queue (user_id, product_id, direction,
  personality_profile_id)
SELECT n.user_id, n.product_id, @direction@,
       (SELECT pp.id FROM @extschema@.personality_profiles pp
         WHERE pp.user_id OPERATOR(pg_catalog.=) n.user_id)
  FROM @new_rows@ n WHERE n.user_id IS NOT NULL
