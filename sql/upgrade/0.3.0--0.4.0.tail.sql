-- Erasure and KPIs (issue 20 points 6, 9), after the functions they use.
CREATE TRIGGER personality_profiles_erase AFTER DELETE ON personality_profiles
    FOR EACH ROW EXECUTE FUNCTION _personality_erase_profile();
COMMENT ON TRIGGER personality_profiles_erase ON personality_profiles IS
  'Right to erasure: a deleted profile takes its queued swipes, learning state, recommendations and recorded swipes with it (assessment history references the account, as in the seed, and goes with the account).';
-- Queued swipes of profiles (or accounts) deleted before 0.4.0 are erased now.
DELETE FROM personality_learning_queue q
 WHERE NOT EXISTS (SELECT 1 FROM personality_profiles pp
                    WHERE pp.user_id OPERATOR(pg_catalog.=) q.user_id);
UPDATE personality_learning_queue q SET personality_profile_id = pp.id
  FROM personality_profiles pp WHERE pp.user_id OPERATOR(pg_catalog.=) q.user_id;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
        GRANT SELECT, DELETE ON @extschema@.personality_learning_state,
            @extschema@.personality_learning_queue,
            @extschema@.personality_recommendation_swipes TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT, DELETE ON @extschema@.personality_learning_queue,
            @extschema@.personality_recommendation_swipes TO service_role;
    END IF;
END;
$$;


-- KPIs (issue 20 point 9): verified columns count only what the extension wrote;
-- the interaction columns users may set are reported_*. Swipes recorded from 0.4.0 on.
DROP VIEW personality_kpis;
CREATE VIEW personality_kpis AS
-- every operator and function with an exact match in pg_catalog (a planted public
-- operator for varchar or numeric/bigint must not bind here during an upgrade).
-- Verified columns count only what the extension wrote: rows it generated (day,
-- context and engine are columns users cannot update) and swipes the swipe trigger
-- recorded (personality_recommendation_swipes) since the row was last generated.
-- The reported_* columns count the seed's interaction columns, which each user may
-- set on their own rows.
SELECT (r.generated_at AT TIME ZONE 'UTC'::pg_catalog.text)::pg_catalog.date AS day,
       r.recommendation_context::pg_catalog.text AS context,
       r.algorithm_version::pg_catalog.text AS engine,
       pg_catalog.count(*) AS recommended,
       pg_catalog.count(w.user_id) AS swiped,
       pg_catalog.count(w.user_id) FILTER (
           WHERE w.direction OPERATOR(pg_catalog.=) ANY (ARRAY['right', 'up']::pg_catalog.text[])) AS right_swiped,
       pg_catalog.round(
           pg_catalog.count(w.user_id) FILTER (
               WHERE w.direction OPERATOR(pg_catalog.=) ANY (ARRAY['right', 'up']::pg_catalog.text[]))::pg_catalog.numeric
           OPERATOR(pg_catalog./) nullif(pg_catalog.count(w.user_id)::pg_catalog.numeric, 0::pg_catalog.numeric),
           4::pg_catalog.int4) AS right_swipe_rate,
       pg_catalog.count(*) FILTER (WHERE r.is_shown) AS reported_shown,
       pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_swiped) AS reported_swiped,
       pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_swiped
           AND r.swipe_direction::pg_catalog.text OPERATOR(pg_catalog.=) ANY (ARRAY['right', 'up']::pg_catalog.text[])) AS reported_right_swiped,
       pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_purchased) AS reported_purchased,
       pg_catalog.round(
           pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_purchased)::pg_catalog.numeric
           OPERATOR(pg_catalog./) nullif(pg_catalog.count(*) FILTER (WHERE r.is_shown)::pg_catalog.numeric, 0::pg_catalog.numeric),
           4::pg_catalog.int4) AS reported_purchase_rate
  FROM @extschema@.personality_recommendations r
  LEFT JOIN @extschema@.personality_recommendation_swipes w
         ON w.user_id OPERATOR(pg_catalog.=) r.user_id
        AND w.product_id OPERATOR(pg_catalog.=) r.product_id
        AND w.swiped_at OPERATOR(pg_catalog.>=) r.generated_at
 GROUP BY 1, 2, 3;
COMMENT ON VIEW personality_kpis IS
  'Recommendation KPIs per day (UTC, of generated_at), context and engine (algorithm_version). Verified, from what only the extension writes: recommended (rows generated), swiped (recommendations whose swipe the swipe trigger recorded in an attached swipe table since the row was generated, personality_recommendation_swipes), right_swiped (right or up) and right_swipe_rate (of swiped; the seed''s KPI: > 75 %). Self-reported, from the interaction columns each user may update on their own rows (not evidence of anything): reported_shown, reported_swiped and reported_right_swiped (shown, then swiped), reported_purchased and reported_purchase_rate (of shown). Reads personality_recommendations with the owner''s rights: for service_role only. A recommendation row is rewritten when it is recommended again, so a day counts the latest state of each (user, product).';
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT ON @extschema@.personality_kpis TO service_role;
    END IF;
END;
$$;
