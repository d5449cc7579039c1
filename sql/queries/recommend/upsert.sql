-- Stores a user's ($1, profile $2) recommendations: one row per element of the arrays
-- $5..$11 (product, match, category, behaviour, combined, reasons, factors), with
-- confidence $3, context $4 and engine $12.
INSERT INTO @extschema@.personality_recommendations AS r (user_id, product_id, personality_profile_id,
       personality_match_score, category_alignment_score, behavioral_prediction, combined_score,
       recommendation_reasons, personality_factors, confidence_level, recommendation_context,
       generated_at, updated_at, algorithm_version)
SELECT $1, u.product_id, $2, pg_catalog.round(u.m::pg_catalog.numeric, 4),
       pg_catalog.round(u.c::pg_catalog.numeric, 4), pg_catalog.round(u.b::pg_catalog.numeric, 4),
       pg_catalog.round(u.s::pg_catalog.numeric, 4), u.reasons::pg_catalog.jsonb, u.factors::pg_catalog.jsonb,
       pg_catalog.round($3::pg_catalog.numeric, 2), $4, pg_catalog.now(), pg_catalog.now(), $12
  FROM ROWS FROM (pg_catalog.unnest($5::pg_catalog.uuid[]), pg_catalog.unnest($6::pg_catalog.float8[]),
       pg_catalog.unnest($7::pg_catalog.float8[]), pg_catalog.unnest($8::pg_catalog.float8[]),
       pg_catalog.unnest($9::pg_catalog.float8[]), pg_catalog.unnest($10::pg_catalog.text[]),
       pg_catalog.unnest($11::pg_catalog.text[]))
       AS u(product_id, m, c, b, s, reasons, factors)
ON CONFLICT ON CONSTRAINT unique_user_product_personality DO UPDATE SET
   personality_match_score = EXCLUDED.personality_match_score,
   category_alignment_score = EXCLUDED.category_alignment_score,
   behavioral_prediction = EXCLUDED.behavioral_prediction,
   combined_score = EXCLUDED.combined_score,
   recommendation_reasons = EXCLUDED.recommendation_reasons,
   personality_factors = EXCLUDED.personality_factors,
   confidence_level = EXCLUDED.confidence_level,
   recommendation_context = EXCLUDED.recommendation_context,
   algorithm_version = EXCLUDED.algorithm_version,
   generated_at = pg_catalog.now(), updated_at = pg_catalog.now()
