-- The swipe trigger's hot path: one learning step in the user's state row, and the
-- matching recommendation marked as swiped, and that swipe recorded where users cannot
-- write (personality_recommendation_swipes, counted by personality_kpis). $1 user, $2 product, $3 the product's
-- affinities when already known, $4 whether to ask for them when the product has no
-- vector, $5 the direction ('right', 'up', 'left', 'down' or NULL), $6 learning rate,
-- $7 and $8 the profile sync settings. Returns the new state and whether the user has
-- queued swipes.
--
-- The state row is locked without waiting: when another transaction holds it, nothing
-- is returned and the swipe is queued. The update reaches the locked row by its ctid
-- (a TID scan, not a second index scan and a join). When a transaction that committed
-- after this statement's snapshot updated the row, the lock holds its newer version,
-- which this snapshot cannot see: nothing is returned either, and the swipe is queued
-- (learnt by the next step, never lost). Outcome 2 (StepOutcome::NeedAffinities) means
-- nothing was learnt: the recommendation is left for the step that learns.
WITH s AS (
  UPDATE @extschema@.personality_learning_state t SET
    state = @extschema@._personality_learn_step(t.state,
      coalesce($3::pg_catalog.float8[],
        (SELECT ARRAY[v.adventurous OPERATOR(pg_catalog.*) v.strength,
                      v.intellectual OPERATOR(pg_catalog.*) v.strength,
                      v.practical OPERATOR(pg_catalog.*) v.strength,
                      v.creative OPERATOR(pg_catalog.*) v.strength,
                      v.social OPERATOR(pg_catalog.*) v.strength]::pg_catalog.float8[]
           FROM @extschema@.personality_product_vectors v
          WHERE v.product_id OPERATOR(pg_catalog.=) $2)),
      $4, $5, $6, $7, $8),
    learned_at = pg_catalog.now()
  WHERE t.ctid OPERATOR(pg_catalog.=) (
      SELECT l.ctid FROM @extschema@.personality_learning_state l
       WHERE l.user_id OPERATOR(pg_catalog.=) $1
         AND pg_catalog.cardinality(l.state) OPERATOR(pg_catalog.>) 0
       FOR NO KEY UPDATE SKIP LOCKED)
    AND t.user_id OPERATOR(pg_catalog.=) $1
  RETURNING t.state),
m AS (
  UPDATE @extschema@.personality_recommendations SET is_swiped = true,
    swipe_direction = $5, interacted_at = pg_catalog.now(), updated_at = pg_catalog.now()
  WHERE user_id OPERATOR(pg_catalog.=) $1 AND product_id OPERATOR(pg_catalog.=) $2
    AND EXISTS (SELECT 1 FROM s
                 WHERE s.state[@extschema@._personality_state_slot('outcome')] OPERATOR(pg_catalog.<>) 2
                    OR s.state[@extschema@._personality_state_slot('outcome')] IS NULL)
  RETURNING 1),
v AS (
  INSERT INTO @extschema@.personality_recommendation_swipes AS w (user_id, product_id, direction, swiped_at)
  SELECT $1, $2, $5, pg_catalog.now() WHERE EXISTS (SELECT 1 FROM m)
  ON CONFLICT (user_id, product_id) DO UPDATE SET direction = EXCLUDED.direction,
    swiped_at = EXCLUDED.swiped_at)
SELECT s.state, EXISTS (SELECT 1 FROM @extschema@.personality_learning_queue q
                         WHERE q.user_id OPERATOR(pg_catalog.=) $1)
  FROM s
