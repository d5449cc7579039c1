-- Recommendations: personality_recommend(user, limit, context, occasion, max price).
-- A person's top products come from the categories of their traits; a price cap,
-- swiped and inactive products and the categories their strong traits avoid are left
-- out; rows are upserted into personality_recommendations (one per user and product,
-- interaction columns kept); reasons, factors and every score follow the documented
-- formula (core/src/recommend.rs), checked against a brute force that scores every
-- product in SQL; the weights are settings; likes raise a category's behavioural
-- prediction; bad arguments are 22023, a user without a profile P0002; a host catalog
-- with products.category text, no tags, price_min and no is_active works through the
-- adapter view.
-- The host tables, the extension and six quiz profiles are committed (section 2 needs
-- separate transactions) and removed again at the end.
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
\set ECHO none
\ir ../fixtures/host_schema.sql
\set products 300
\set users 10
\ir ../fixtures/sample_data.sql
\set ECHO all
CREATE EXTENSION personality_ext;
-- This file checks the 0.2.0 content ranker against its brute force: every person is
-- served by it (the hybrid engine of issue 14 is tested in tests/integration/tests/model.rs).
SET personality.hybrid_share = 0;
\set u1 '00000000-0000-4000-d000-000000000001'
\set u2 '00000000-0000-4000-d000-000000000002'
\set u3 '00000000-0000-4000-d000-000000000003'
\set u4 '00000000-0000-4000-d000-000000000004'
\set u5 '00000000-0000-4000-d000-000000000005'
\set u6 '00000000-0000-4000-d000-000000000006'
\set u7 '00000000-0000-4000-d000-000000000007'
\set u8 '00000000-0000-4000-d000-000000000008'

-- The brute force (not shown): pg_temp.rec_reference(user, occasion, max price) scores
-- EVERY candidate product (active, not swiped, category not avoided by a trait scored
-- 60 or more, price <= the cap, some trait affinity) by the documented formula, from
-- the adapter view, the gift mappings, the swipes and the settings:
--   match     = calculate_personality_product_match(scores, personality_product_traits(category, tags), NULL)
--   match'    = the same with each trait score x the occasion relevance of its mapping
--               (0.7 when not listed; match' = match without an occasion)
--   alignment = sum(s_t x c_t) / sum(s_t), c_t = 1, 0.85, 0.70 ... (>= 0.5) by the
--               category's position in trait t's recommended categories, 0 otherwise
--   behavior  = (likes_c + 5p) / (n_c + 5), p = (likes + 1) / (n + 2)
--   modifier  = the primary trait mapping's price_range_modifier for the price band
--               (budget < 25, mid 25..100, premium > 100; 1 without a price)
--   combined  = (w_m x match' + w_c x alignment + w_b x behavior) x modifier, in 0..1,
--               weights personality.weight_* normalised to sum 1.
\set ECHO none
\ir ../fixtures/recommend_reference.sql
\set ECHO all

-- The recommendations of one call, best first, with the product's category and price.
CREATE FUNCTION pg_temp.recs(p_user uuid, p_limit int, p_occasion text DEFAULT NULL, p_max_price numeric DEFAULT NULL)
RETURNS TABLE (rank bigint, product_id uuid, category text, price numeric, match numeric, alignment numeric,
               behavior numeric, combined numeric, reasons jsonb, factors jsonb)
LANGUAGE sql VOLATILE AS $$
SELECT r.ordinality, r.product_id, f.category, f.price, r.personality_match_score, r.category_alignment_score,
       r.behavioral_prediction, r.combined_score, r.recommendation_reasons, r.personality_factors
  FROM personality_recommend(p_user, p_limit, 'discover', p_occasion, p_max_price) WITH ORDINALITY r
  LEFT JOIN personality_product_features f ON f.product_id = r.product_id
 ORDER BY r.ordinality
$$;

-- Quiz answers: for each trait, in every active question the option that weighs it
-- most; and a mix (odd questions intellectual, even ones creative).
CREATE TEMP TABLE answers AS
SELECT t AS label,
       jsonb_object_agg(q.question_id,
           (SELECT o->>'value' FROM jsonb_array_elements(q.options) WITH ORDINALITY e(o, i)
             ORDER BY coalesce((o->'traits'->>t)::numeric, 0) DESC, i LIMIT 1)) AS responses
  FROM personality_quiz_questions q,
       unnest(ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social']) t
 WHERE q.is_active
 GROUP BY t
UNION ALL
SELECT 'intellectual/creative',
       jsonb_object_agg(q.question_id,
           (SELECT o->>'value' FROM jsonb_array_elements(q.options) WITH ORDINALITY e(o, i)
             ORDER BY coalesce((o->'traits'->>CASE WHEN q.sort_order % 2 = 0 THEN 'creative' ELSE 'intellectual' END)::numeric, 0) DESC, i
             LIMIT 1))
  FROM personality_quiz_questions q
 WHERE q.is_active;
-- Users 1..6 take the quiz (committed).
SELECT n, a.label, p.primary_type, p.secondary_types, p.personality_scores
  FROM (VALUES (1, 'adventurous'), (2, 'intellectual'), (3, 'practical'), (4, 'creative'), (5, 'social'),
               (6, 'intellectual/creative')) u(n, label)
  JOIN answers a USING (label),
       LATERAL personality_assess(('00000000-0000-4000-d000-' || lpad(u.n::text, 12, '0'))::uuid, a.responses, 240) p
 ORDER BY n;

-- 1. What is left out (rolled back).
BEGIN;
-- A strongly adventurous user's top 10: the adventurous mapping's categories
-- (sports-outdoors, experiences, electronics); premium first (price modifier 1.1).
SELECT rank, product_id, category, price, combined, reasons FROM pg_temp.recs(:'u1', 10);
SELECT count(*) AS top_10,
       count(*) FILTER (WHERE category IN ('sports-outdoors', 'experiences', 'electronics')) AS from_adventurous_categories,
       count(*) FILTER (WHERE category IN ('sports-outdoors', 'experiences', 'electronics')) >= 8 AS mostly_adventurous
  FROM pg_temp.recs(:'u1', 10);
-- home-garden is avoided by the adventurous mapping and user 1 scores 100 there: never
-- recommended, even when all of them are asked for; nor are the 6 inactive products.
SELECT count(*) AS all_recommended, count(*) FILTER (WHERE category = 'home-garden') AS home_garden,
       count(*) = (SELECT count(*) FROM personality_product_features
                    WHERE is_active AND category <> 'home-garden') AS every_other_active_product
  FROM pg_temp.recs(:'u1', 1000);
-- A budget cap: nothing above it, nothing without a price, and each says so.
SELECT rank, product_id, category, price, combined, reasons FROM pg_temp.recs(:'u1', 5, NULL, 40);
SELECT count(*) AS recommended, count(*) FILTER (WHERE price > 40 OR price IS NULL) AS above_cap,
       bool_and(reasons ? ('within your budget (' || to_char(price, 'FM990.00') || ' of 40.00)')) AS says_within_budget
  FROM pg_temp.recs(:'u1', 20, NULL, 40);
-- Without the cap the top has dearer products (so the check above means something).
SELECT count(*) FILTER (WHERE price > 40) AS above_40_without_cap FROM pg_temp.recs(:'u1', 20);
-- A swiped product never appears: swipe user 1's first product (down: a neutral swipe
-- teaches nothing, so the other nine stay), then like the new first one.
CREATE TEMP TABLE top_before ON COMMIT DROP AS SELECT rank, product_id FROM pg_temp.recs(:'u1', 10);
INSERT INTO swipes (user_id, product_id, direction) SELECT :'u1', product_id, 'down' FROM top_before WHERE rank = 1;
CREATE TEMP TABLE top_after ON COMMIT DROP AS SELECT rank, product_id FROM pg_temp.recs(:'u1', 10);
SELECT (SELECT count(*) FROM top_after) AS recommended,
       EXISTS (SELECT 1 FROM top_after JOIN swipes s USING (product_id) WHERE s.user_id = :'u1') AS swiped_one_shown,
       (SELECT count(*) FROM top_before b JOIN top_after a USING (product_id)) AS others_kept;
INSERT INTO swipes (user_id, product_id, direction) SELECT :'u1', product_id, 'right' FROM top_after WHERE rank = 1;
SELECT count(*) AS recommended, count(*) FILTER (WHERE product_id IN (SELECT product_id FROM swipes WHERE user_id = :'u1')) AS swiped_shown
  FROM pg_temp.recs(:'u1', 1000);
-- Inactive products never appear: deactivate the current top 3 (the vectors follow the
-- products table), then activate one again: it is back at the top.
CREATE TEMP TABLE top3 ON COMMIT DROP AS SELECT rank, product_id FROM pg_temp.recs(:'u1', 3);
UPDATE products SET is_active = false WHERE id IN (SELECT product_id FROM top3);
SELECT count(*) AS inactive_vectors FROM personality_product_vectors WHERE product_id IN (SELECT product_id FROM top3) AND NOT is_active;
SELECT count(*) AS recommended, count(*) FILTER (WHERE product_id IN (SELECT product_id FROM top3)) AS inactive_shown
  FROM pg_temp.recs(:'u1', 1000);
UPDATE products SET is_active = true WHERE id = (SELECT product_id FROM top3 WHERE rank = 1);
SELECT r.rank, t.rank AS rank_before_deactivation FROM pg_temp.recs(:'u1', 1) r JOIN top3 t USING (product_id);
-- A deleted product goes with its vector and its recommendation rows.
DELETE FROM products WHERE id = (SELECT product_id FROM top3 WHERE rank = 1);
SELECT (SELECT count(*) FROM personality_product_vectors WHERE product_id = (SELECT product_id FROM top3 WHERE rank = 1)) AS vectors,
       (SELECT count(*) FROM personality_recommendations WHERE product_id = (SELECT product_id FROM top3 WHERE rank = 1)) AS recommendation_rows,
       (SELECT count(*) FROM pg_temp.recs(:'u1', 1000) WHERE product_id = (SELECT product_id FROM top3 WHERE rank = 1)) AS recommended;
ROLLBACK;

-- 2. Rows are stored, and a re-run updates them instead of adding rows (committed:
-- each call is its own transaction, so the timestamps move).
SELECT count(*) AS returned FROM personality_recommend(:'u2', 10);
CREATE TEMP TABLE run1 AS
SELECT id, product_id, personality_profile_id, generated_at, updated_at, created_at, combined_score
  FROM personality_recommendations WHERE user_id = :'u2';
SELECT count(*) AS rows_stored, count(DISTINCT product_id) AS products,
       bool_and(personality_profile_id = (SELECT id FROM personality_profiles WHERE user_id = :'u2')) AS of_the_profile,
       bool_and(recommendation_context = 'discover') AS context,
       bool_and(confidence_level = (SELECT confidence_level FROM personality_profiles WHERE user_id = :'u2')) AS confidence_of_the_profile
  FROM personality_recommendations WHERE user_id = :'u2';
-- The user saw the first one (the app sets is_shown).
UPDATE personality_recommendations SET is_shown = true, shown_at = '2024-01-01 00:00:00+00'
 WHERE user_id = :'u2' AND product_id = (SELECT product_id FROM run1 ORDER BY product_id LIMIT 1);
-- Two more runs, the second as the gift finder.
SELECT count(*) AS returned FROM personality_recommend(:'u2', 10);
SELECT count(*) AS returned FROM personality_recommend(:'u2', 10, 'gift_finder');
SELECT count(*) AS rows_stored, count(DISTINCT product_id) AS products,
       (SELECT count(*) FROM (SELECT product_id FROM personality_recommendations WHERE user_id = :'u2'
                               GROUP BY product_id HAVING count(*) > 1) d) AS duplicated_products
  FROM personality_recommendations WHERE user_id = :'u2';
SELECT count(*) AS rows_compared,
       bool_and(r.id = b.id) AS same_row_ids,
       bool_and(r.created_at = b.created_at) AS created_at_kept,
       bool_and(r.generated_at > b.generated_at) AS generated_at_moved,
       bool_and(r.updated_at > b.updated_at) AS updated_at_moved,
       bool_and(r.combined_score = b.combined_score) AS same_scores,
       bool_and(r.recommendation_context = 'gift_finder') AS context_updated
  FROM personality_recommendations r JOIN run1 b USING (id)
 WHERE r.user_id = :'u2';
SELECT count(*) FILTER (WHERE is_shown) AS shown, count(*) FILTER (WHERE shown_at = '2024-01-01 00:00:00+00') AS shown_at_kept
  FROM personality_recommendations WHERE user_id = :'u2';
-- What the function returns is what it stored.
CREATE TEMP TABLE returned AS SELECT * FROM personality_recommend(:'u2', 10, 'gift_finder');
SELECT count(*) AS returned_rows_as_stored
  FROM returned r JOIN personality_recommendations s ON s.id = r.id
 WHERE (s.*) IS NOT DISTINCT FROM (r.*);
DELETE FROM personality_recommendations;

-- 3. Reasons, factors and scores (rolled back): each user's top 20.
BEGIN;
CREATE TEMP TABLE recs ON COMMIT DROP AS
SELECT u.n, p.user_id, p.personality_scores, r.*
  FROM generate_series(1, 6) u(n)
  JOIN personality_profiles p ON p.user_id = ('00000000-0000-4000-d000-' || lpad(u.n::text, 12, '0'))::uuid,
       LATERAL pg_temp.recs(p.user_id, 20) r;
-- Ordered by combined score; reasons a non-empty array of non-empty strings; factors
-- the five traits in 0..1, adding up to the match score (they are its parts).
SELECT n, count(*) AS recommended,
       bool_and(NOT EXISTS (SELECT 1 FROM recs b WHERE b.n = a.n AND b.rank > a.rank AND b.combined > a.combined)) AS ordered,
       bool_and(jsonb_typeof(reasons) = 'array' AND jsonb_array_length(reasons) > 0) AS reasons_array,
       bool_and(NOT EXISTS (SELECT 1 FROM jsonb_array_elements(reasons) e
                             WHERE jsonb_typeof(e) <> 'string' OR e #>> '{}' = '')) AS reasons_strings,
       bool_and(ARRAY(SELECT jsonb_object_keys(factors) ORDER BY 1)
                = '{adventurous,creative,intellectual,practical,social}') AS five_factors,
       bool_and(NOT EXISTS (SELECT 1 FROM jsonb_each(factors) e
                             WHERE jsonb_typeof(e.value) <> 'number' OR e.value::text::numeric NOT BETWEEN 0 AND 1)) AS factors_in_0_1,
       bool_and(abs((SELECT sum(value::text::numeric) FROM jsonb_each(factors)) - match) <= 0.0005) AS factors_add_up_to_match
  FROM recs a GROUP BY n ORDER BY n;
-- "fits your X side (N/100)": N is the user's score for X, rounded; "C is a favourite
-- category ..." names the product's own category, with an alignment of 0.5 or more.
SELECT n, count(*) AS trait_reasons,
       count(*) FILTER (WHERE m[2]::numeric <> round((personality_scores->>m[1])::numeric)) AS wrong_score
  FROM recs, jsonb_array_elements_text(reasons) e, regexp_matches(e, '^fits your (\w+) side \((\d+)/100\)$') m
 GROUP BY n ORDER BY n;
SELECT n, count(*) AS category_reasons,
       count(*) FILTER (WHERE m[1] IS DISTINCT FROM category OR alignment < 0.5) AS inconsistent
  FROM recs, jsonb_array_elements_text(reasons) e, regexp_matches(e, '^(.*) is a favourite category for people like you$') m
 GROUP BY n ORDER BY n;
-- The reasons of user 1's first product, and user 6's.
SELECT n, rank, category, reasons, factors FROM recs WHERE rank = 1 AND n IN (1, 6) ORDER BY n;
-- Every score against the brute force: match = calculate_personality_product_match
-- (within 0.0001), alignment and behaviour (within 0.0001), and combined =
-- (0.6 match + 0.25 alignment + 0.15 behaviour) x price modifier of the stored
-- components (within 0.0001).
SELECT a.n, count(x.product_id) AS checked,
       count(*) FILTER (WHERE abs(a.match - x.match) > 0.0001) AS match_off,
       count(*) FILTER (WHERE abs(a.alignment - x.alignment) > 0.0001) AS alignment_off,
       count(*) FILTER (WHERE abs(a.behavior - x.behavior) > 0.0001) AS behavior_off,
       count(*) FILTER (WHERE abs(a.combined - (0.6 * a.match + 0.25 * a.alignment + 0.15 * a.behavior) * x.modifier::numeric) > 0.0001) AS combined_off,
       min(x.modifier) AS min_modifier, max(x.modifier) AS max_modifier
  FROM recs a
  LEFT JOIN (SELECT u.user_id, x.* FROM (SELECT DISTINCT user_id FROM recs) u,
                    LATERAL pg_temp.rec_reference(u.user_id, NULL, NULL) x) x
         ON x.user_id = a.user_id AND x.product_id = a.product_id
 GROUP BY a.n ORDER BY a.n;
ROLLBACK;
-- Scores of .5 are rounded like round() does (half away from zero): 62.5 is 63.
BEGIN;
INSERT INTO personality_profiles (user_id, primary_type, personality_scores, confidence_level)
VALUES (:'u7', 'adventurous', '{"adventurous": 62.5, "intellectual": 40.5, "practical": 20, "creative": 30.5, "social": 0.5}', 0.5);
SELECT DISTINCT m[1] AS trait, m[2] AS shown, round((p.personality_scores->>m[1])::numeric) AS rounded_score
  FROM pg_temp.recs(:'u7', 50) r, personality_profiles p, jsonb_array_elements_text(r.reasons) e,
       regexp_matches(e, '^fits your (\w+) side \((\d+)/100\)$') m
 WHERE p.user_id = :'u7'
 ORDER BY 1, 2;
ROLLBACK;

-- 4. The weights are settings (rolled back).
BEGIN;
CREATE TEMP TABLE default_weights ON COMMIT DROP AS SELECT * FROM pg_temp.recs(:'u1', 20);
-- Half of each default: normalised, the same scores.
SET LOCAL personality.weight_match = 0.3;
SET LOCAL personality.weight_category = 0.125;
SET LOCAL personality.weight_behavior = 0.075;
SELECT count(*) AS same_rows FROM pg_temp.recs(:'u1', 20) r JOIN default_weights d USING (rank, product_id, combined);
-- Category alignment only: combined = alignment x modifier, and the best category's
-- products, premium first, lead.
SET LOCAL personality.weight_match = 0;
SET LOCAL personality.weight_category = 1;
SET LOCAL personality.weight_behavior = 0;
SELECT rank, category, price, alignment, combined FROM pg_temp.recs(:'u1', 5);
SELECT count(*) AS recommended,
       count(*) FILTER (WHERE abs(r.combined - x.combined::numeric) > 0.0001) AS combined_off_formula,
       count(*) FILTER (WHERE abs(r.combined - round(r.alignment * x.modifier::numeric, 4)) > 0.0001) AS not_alignment_times_modifier
  FROM pg_temp.recs(:'u1', 20) r JOIN pg_temp.rec_reference(:'u1', NULL, NULL) x USING (product_id);
-- Behaviour only: user 3 (practical) likes five toys-games products; now toys-games
-- leads, with combined = behaviour x modifier.
INSERT INTO swipes (user_id, product_id, direction)
SELECT :'u3', id, 'right' FROM products
 WHERE category_id = (SELECT id FROM categories WHERE slug = 'toys-games') ORDER BY id LIMIT 5;
SET LOCAL personality.weight_category = 0;
SET LOCAL personality.weight_behavior = 1;
SELECT rank, category, price, behavior, combined FROM pg_temp.recs(:'u3', 5);
SELECT count(*) AS recommended, count(*) FILTER (WHERE r.category = 'toys-games') AS toys_games,
       count(*) FILTER (WHERE abs(r.combined - x.combined::numeric) > 0.0001) AS combined_off_formula
  FROM pg_temp.recs(:'u3', 10) r JOIN pg_temp.rec_reference(:'u3', NULL, NULL) x USING (product_id);
-- Back to the defaults: toys-games is not the practical user's top any more.
RESET personality.weight_match;
RESET personality.weight_category;
RESET personality.weight_behavior;
SELECT count(*) FILTER (WHERE r.category = 'toys-games') AS toys_games_in_top_10,
       count(*) FILTER (WHERE abs(r.combined - x.combined::numeric) > 0.0001) AS combined_off_formula
  FROM pg_temp.recs(:'u3', 10) r JOIN pg_temp.rec_reference(:'u3', NULL, NULL) x USING (product_id);
-- Out of range: refused (22023).
SET personality.weight_behavior = 1.5;
\echo :LAST_ERROR_SQLSTATE
SET personality.weight_match = -0.1;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- 5. Behavioural prediction (rolled back): user 4 (creative) likes five art-crafts
-- products. Before, every category predicts 0.5; after, art-crafts predicts
-- (5 + 5 x 6/7) / 10 = 0.9286 and the other categories the prior 6/7 = 0.8571, and
-- art-crafts products say so.
BEGIN;
SELECT category, count(*) AS products, min(behavior), max(behavior),
       count(*) FILTER (WHERE reasons::text LIKE '%you liked%') AS liked_reasons
  FROM pg_temp.recs(:'u4', 1000) GROUP BY category ORDER BY category;
INSERT INTO swipes (user_id, product_id, direction)
SELECT :'u4', id, 'right' FROM products
 WHERE category_id = (SELECT id FROM categories WHERE slug = 'art-crafts') AND is_active ORDER BY id LIMIT 5;
SELECT category, count(*) AS products, min(behavior), max(behavior),
       count(*) FILTER (WHERE reasons ? 'you liked 5 of 5 art-crafts items you swiped') AS liked_reasons
  FROM pg_temp.recs(:'u4', 1000) GROUP BY category ORDER BY category;
-- Dislikes lower it: three art-crafts dislikes give (5 + 5 x 6/10) / 13 = 0.6154,
-- and 5 of 8 liked is still 0.6 or more: the reason stays.
INSERT INTO swipes (user_id, product_id, direction)
SELECT :'u4', id, 'left' FROM products
 WHERE category_id = (SELECT id FROM categories WHERE slug = 'art-crafts') AND is_active
   AND id NOT IN (SELECT product_id FROM swipes WHERE user_id = :'u4') ORDER BY id LIMIT 3;
SELECT category, min(behavior), max(behavior),
       count(*) FILTER (WHERE reasons ? 'you liked 5 of 8 art-crafts items you swiped') AS liked_reasons
  FROM pg_temp.recs(:'u4', 1000) WHERE category IN ('art-crafts', 'fashion') GROUP BY category ORDER BY category;
ROLLBACK;

-- 6. The threshold algorithm finds the true top 20: for each user and argument set the
-- top 20 has the scores of the first 20 of the full ranking (p_limit 1000 covers the
-- catalog), nothing left out scores higher, and they are the brute force's top 20.
CREATE FUNCTION pg_temp.topk_check(p_user uuid, p_occasion text, p_max_price numeric,
    OUT fast int, OUT full_ranking int, OUT candidates int, OUT same_scores boolean, OUT same_products boolean,
    OUT nothing_better_left_out boolean, OUT brute_force_scores boolean)
LANGUAGE plpgsql AS $$
DECLARE
    f numeric[];
    b numeric[];
    fi uuid[];
    bi uuid[];
    x float8[];
BEGIN
    SELECT array_agg(combined_score ORDER BY ordinality), array_agg(product_id ORDER BY ordinality) INTO f, fi
      FROM personality_recommend(p_user, 20, 'discover', p_occasion, p_max_price) WITH ORDINALITY;
    SELECT array_agg(combined_score ORDER BY ordinality), array_agg(product_id ORDER BY ordinality) INTO b, bi
      FROM personality_recommend(p_user, 1000, 'discover', p_occasion, p_max_price) WITH ORDINALITY;
    SELECT array_agg(r.combined ORDER BY r.combined DESC) INTO x FROM pg_temp.rec_reference(p_user, p_occasion, p_max_price) r;
    fast := cardinality(f);
    full_ranking := cardinality(b);
    candidates := cardinality(x);
    same_scores := f = b[1:20];
    same_products := fi = bi[1:20];
    nothing_better_left_out := f[20] >= coalesce((SELECT max(v) FROM unnest(b[21:]) v), 0);
    brute_force_scores := NOT EXISTS (SELECT 1 FROM generate_series(1, 20) i WHERE abs(f[i] - x[i]::numeric) > 0.0002);
END;
$$;
BEGIN;
-- User 5 has swiped a few products, so behaviour differs by category.
INSERT INTO swipes (user_id, product_id, direction)
SELECT :'u5', p.id, CASE WHEN c.slug = 'food-drink' THEN 'right' ELSE 'left' END
  FROM products p JOIN categories c ON c.id = p.category_id
 WHERE c.slug IN ('food-drink', 'experiences') AND p.is_active
 ORDER BY p.id LIMIT 8;
SELECT n, a.occasion, a.max_price, c.*
  FROM generate_series(1, 6) n,
       (VALUES (NULL, NULL), ('birthday', NULL), (NULL, 40), ('housewarming', 150)) a(occasion, max_price),
       LATERAL pg_temp.topk_check(('00000000-0000-4000-d000-' || lpad(n::text, 12, '0'))::uuid, a.occasion, a.max_price) c
 ORDER BY n, a.occasion NULLS FIRST, a.max_price NULLS FIRST;
-- An operator edits the mappings: experiences becomes the adventurous mapping's first
-- category, and premium gifts lose their bonus. The product vectors are rebuilt, the
-- scores follow (alignment 0.8562 -> 0.7277, no premium bonus) and the top k is still exact.
UPDATE personality_gift_mappings
   SET recommended_categories = '{experiences,sports-outdoors,electronics}',
       price_range_modifier = '{"budget": 1.0, "mid": 1.0, "premium": 1.0}'
 WHERE personality_type = 'adventurous';
SELECT count(*) AS vectors, count(*) FILTER (WHERE v.affinities <> personality_product_traits(f.category, f.tags)) AS stale
  FROM personality_product_vectors v JOIN personality_product_features f USING (product_id);
SELECT rank, category, price, alignment, combined FROM pg_temp.recs(:'u1', 3);
SELECT n, c.*
  FROM generate_series(1, 2) n,
       LATERAL pg_temp.topk_check(('00000000-0000-4000-d000-' || lpad(n::text, 12, '0'))::uuid, NULL, NULL) c
 ORDER BY n;
ROLLBACK;

-- 7. Errors: bad arguments are 22023, no profile P0002 (with a hint), NULL user 22004;
-- nothing is written.
SELECT * FROM personality_recommend(:'u1', 10, 'bogus');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM personality_recommend(:'u1', 10, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM personality_recommend(:'u1', 0);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM personality_recommend(:'u1', 1001);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM personality_recommend(:'u1', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM personality_recommend(:'u1', 10, 'discover', NULL, -0.01);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM personality_recommend(:'u8', 10);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM personality_recommend(NULL, 10);
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS rows_written FROM personality_recommendations;
-- The limits themselves are allowed; a cap of 0 leaves nothing (no free products).
SELECT count(*) AS one FROM personality_recommend(:'u1', 1);
SELECT count(*) AS free FROM personality_recommend(:'u1', 10, 'similar', NULL, 0);
DELETE FROM personality_recommendations;

-- 8. Clean up: the extension and the host tables go.
DROP EXTENSION personality_ext;
DROP TABLE swipes, products, categories, profiles;

-- 9. A host whose products have a category text column, no tags, price_min instead of
-- price and no is_active (rolled back): the adapter view reads products.category and
-- price_min, every product is active.
BEGIN;
CREATE TABLE profiles (id uuid PRIMARY KEY);
CREATE TABLE products (id uuid PRIMARY KEY, title text, category text, price_min numeric(10,2), price_max numeric(10,2));
CREATE TABLE swipes (user_id uuid, product_id uuid, direction text);
INSERT INTO profiles SELECT ('00000000-0000-4000-d000-' || lpad(g::text, 12, '0'))::uuid FROM generate_series(1, 3) g;
INSERT INTO products
SELECT ('00000000-0000-4000-c000-' || lpad(g::text, 12, '0'))::uuid, 'Gift ' || g,
       (ARRAY['sports-outdoors', 'home-garden', 'books-media', 'food-drink', 'experiences', 'art-crafts'])[1 + g % 6],
       5 + (g * 37) % 200, 10 + (g * 37) % 200
  FROM generate_series(1, 60) g;
CREATE EXTENSION personality_ext;
SELECT * FROM personality_product_features WHERE product_id IN (SELECT id FROM products ORDER BY id LIMIT 3) ORDER BY product_id;
SELECT count(*) AS vectors, count(*) FILTER (WHERE is_active) AS active FROM personality_product_vectors;
SELECT primary_type FROM personality_assess(:'u1', (SELECT responses FROM answers WHERE label = 'adventurous'), 240);
SELECT rank, product_id, category, price, combined, reasons FROM pg_temp.recs(:'u1', 5);
SELECT count(*) AS recommended, count(*) FILTER (WHERE r.category = 'home-garden') AS avoided_shown,
       count(*) FILTER (WHERE r.price IS DISTINCT FROM p.price_min) AS price_not_price_min,
       count(*) FILTER (WHERE abs(r.combined - x.combined::numeric) > 0.0001) AS combined_off_formula,
       count(*) FILTER (WHERE abs(r.match - x.match) > 0.0001) AS match_off
  FROM pg_temp.recs(:'u1', 1000) r JOIN products p ON p.id = r.product_id
  LEFT JOIN pg_temp.rec_reference(:'u1', NULL, NULL) x USING (product_id);
-- The cap applies to price_min.
SELECT count(*) AS recommended, max(price) AS highest_price FROM pg_temp.recs(:'u1', 1000, NULL, 50);
SELECT count(*) AS products_up_to_50 FROM products WHERE price_min <= 50 AND category <> 'home-garden';
-- A product added later is recommended; a category change moves it.
INSERT INTO products VALUES ('00000000-0000-4000-c000-000000000999', 'Paragliding day', 'sports-outdoors', 150, 200);
SELECT rank, category, price, combined FROM pg_temp.recs(:'u1', 100) WHERE product_id = '00000000-0000-4000-c000-000000000999';
UPDATE products SET category = 'home-garden' WHERE id = '00000000-0000-4000-c000-000000000999';
SELECT count(*) AS recommended_after_move FROM pg_temp.recs(:'u1', 1000) WHERE product_id = '00000000-0000-4000-c000-000000000999';
-- Swipes on this host's swipes table count.
INSERT INTO swipes SELECT :'u1', id, 'right' FROM products WHERE category = 'experiences' ORDER BY id LIMIT 3;
SELECT category, min(behavior), max(behavior) FROM pg_temp.recs(:'u1', 1000)
 WHERE category IN ('experiences', 'sports-outdoors') GROUP BY category ORDER BY category;
ROLLBACK;
