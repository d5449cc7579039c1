-- The model's catalog numbers and popular products.
SELECT s.like_rate, s.log_max_decayed, pg_catalog.date_part('epoch', s.stats_at), s.popular_ids
  FROM @extschema@.personality_model_state s WHERE s.id
