-- Queues every swipe of the statement (its learning failed and was rolled back).
-- @new_rows@ and @direction@ as in bulk_read_swipes.sql.
INSERT INTO @extschema@.personality_learning_queue (user_id, product_id, direction)
SELECT user_id, product_id, @direction@ FROM @new_rows@ WHERE user_id IS NOT NULL
