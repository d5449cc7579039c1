-- Behaviour learning: the swipe trigger update_personality_from_behavior.
-- CREATE EXTENSION attaches it to the host's swipes table; a swipe creates a
-- behaviour-only profile for a user without one; likes and dislikes move the trait
-- scores toward / away from the product's traits (personality.learning_rate), turn a
-- quiz profile into a hybrid one, log a behavior_change history row when the primary
-- type changes and mark the matching recommendation as swiped; nothing about a swipe
-- can fail its insert; attaching checks the table's columns (42703); DROP EXTENSION
-- removes the triggers and leaves the host's tables alone.
-- The host tables and the extension are committed (the robust inserts below must be),
-- and removed again at the end.
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
\set ECHO none
\ir ../fixtures/host_schema.sql
\set products 200
\set users 10
\ir ../fixtures/sample_data.sql
\set ECHO all
CREATE EXTENSION personality_ext;

-- 1. The trigger is on swipes from the start.
SELECT * FROM personality_swipe_tables ORDER BY swipe_table::text;
SELECT tgname, tgenabled, tgtype FROM pg_trigger WHERE tgrelid = 'swipes'::regclass AND NOT tgisinternal ORDER BY tgname;

-- Products with known traits: ten adventurous (sports-outdoors; hiking, camping) and
-- ten practical ones (home-garden; tools, kitchen), and one with neither category nor tags.
INSERT INTO products (id, name, category_id, tags)
SELECT ('00000000-0000-4000-e000-' || lpad(g::text, 12, '0'))::uuid, 'Trail kit ' || g,
       (SELECT id FROM categories WHERE slug = 'sports-outdoors'), ARRAY['hiking', 'camping']
  FROM generate_series(1, 10) g
UNION ALL
SELECT ('00000000-0000-4000-e000-' || lpad((100 + g)::text, 12, '0'))::uuid, 'Kitchen tool ' || g,
       (SELECT id FROM categories WHERE slug = 'home-garden'), ARRAY['tools', 'kitchen']
  FROM generate_series(1, 10) g
UNION ALL
SELECT '00000000-0000-4000-e000-000000000999', 'Plain box', NULL, NULL;
SELECT f.category, f.tags, personality_product_traits(f.category, f.tags) AS affinities, count(*)
  FROM personality_product_features f
 WHERE f.product_id::text LIKE '00000000-0000-4000-e000-%'
 GROUP BY 1, 2, 3 ORDER BY 1 NULLS LAST;
CREATE TABLE swipe_interactions (id serial, user_id uuid, product_id uuid, swipe_direction text);

-- How a profile is shown here: the five scores, then the learning bookkeeping. Swipes
-- learn into personality_learning_state and the profile row follows when it changes
-- materially (section 2b); personality_sync_profile() writes the rest before a look.
CREATE VIEW profile_view AS
SELECT user_id, primary_type, secondary_types,
       (SELECT jsonb_object_agg(k, personality_scores->k)
          FROM unnest(ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social']) k) AS scores,
       personality_scores->'behavior_evidence' AS evidence,
       personality_scores->'behavior_informative' AS informative,
       personality_scores->'behavioral_consistency' AS consistency,
       assessment_method
  FROM personality_profiles;

-- 2. Learning (rolled back).
BEGIN;
-- A user without a profile gets a behaviour-only one: all 50, then one like.
INSERT INTO swipes (user_id, product_id, direction)
VALUES ('00000000-0000-4000-d000-000000000001', '00000000-0000-4000-e000-000000000001', 'right');
SELECT personality_sync_profile() AS profiles_written;
SELECT * FROM profile_view WHERE user_id = '00000000-0000-4000-d000-000000000001';
SELECT confidence_level, total_questions_answered, quiz_responses, last_assessment_at IS NULL AS never_assessed
  FROM personality_profiles WHERE user_id = '00000000-0000-4000-d000-000000000001';

-- User 2 starts from a direct insert with all traits at 50 (method quiz); user 3 from
-- a quiz answered all practical. Each has a recommendation for one adventurous and one
-- practical product, and one for a product they never swipe.
INSERT INTO personality_profiles (user_id, primary_type, personality_scores, confidence_level, assessment_method)
VALUES ('00000000-0000-4000-d000-000000000002', 'adventurous',
        '{"adventurous": 50, "intellectual": 50, "practical": 50, "creative": 50, "social": 50}', 0.50, 'quiz');
SELECT primary_type, personality_scores, assessment_method
  FROM personality_assess('00000000-0000-4000-d000-000000000003',
           (SELECT jsonb_object_agg(q.question_id,
                       (SELECT o->>'value' FROM jsonb_array_elements(q.options) e(o)
                         WHERE (o->'traits'->>'practical')::numeric = 1))
              FROM personality_quiz_questions q WHERE q.is_active), 240);
INSERT INTO personality_recommendations (user_id, product_id, personality_profile_id, personality_match_score,
    category_alignment_score, behavioral_prediction, combined_score, confidence_level)
SELECT p.user_id, r.product_id::uuid, p.id, 0.5, 0.5, 0.5, 0.5, 0.5
  FROM personality_profiles p,
       (VALUES ('00000000-0000-4000-e000-000000000001'), ('00000000-0000-4000-e000-000000000101'),
               ('00000000-0000-4000-c000-000000000001')) r(product_id)
 WHERE p.user_id IN ('00000000-0000-4000-d000-000000000002', '00000000-0000-4000-d000-000000000003');
CREATE TEMP TABLE before AS SELECT v.*, p.confidence_level FROM profile_view v JOIN personality_profiles p USING (user_id);

-- Both like the ten adventurous products and dislike the ten practical ones.
INSERT INTO swipes (user_id, product_id, direction)
SELECT u.id, ('00000000-0000-4000-e000-' || lpad(g::text, 12, '0'))::uuid, 'right'
  FROM (VALUES ('00000000-0000-4000-d000-000000000002'::uuid), ('00000000-0000-4000-d000-000000000003')) u(id),
       generate_series(1, 10) g
 ORDER BY u.id, g;
INSERT INTO swipes (user_id, product_id, direction)
SELECT u.id, ('00000000-0000-4000-e000-' || lpad((100 + g)::text, 12, '0'))::uuid, 'left'
  FROM (VALUES ('00000000-0000-4000-d000-000000000002'::uuid), ('00000000-0000-4000-d000-000000000003')) u(id),
       generate_series(1, 10) g
 ORDER BY u.id, g;
SELECT personality_sync_profile() AS profiles_written;
SELECT * FROM profile_view
 WHERE user_id IN ('00000000-0000-4000-d000-000000000002', '00000000-0000-4000-d000-000000000003')
 ORDER BY user_id;
SELECT b.user_id,
       (a.scores->>'adventurous')::numeric > (b.scores->>'adventurous')::numeric AS adventurous_up,
       (a.scores->>'practical')::numeric < (b.scores->>'practical')::numeric AS practical_down,
       (a.scores->>'intellectual')::numeric = (b.scores->>'intellectual')::numeric AS intellectual_unchanged,
       b.assessment_method AS method_before, a.assessment_method AS method_after
  FROM before b JOIN profile_view a USING (user_id)
 WHERE b.user_id IN ('00000000-0000-4000-d000-000000000002', '00000000-0000-4000-d000-000000000003')
 ORDER BY b.user_id;
-- Confidence follows the documented rule: each informative swipe closes 2 % of the gap
-- to 0.95, so after n of them it is 0.95 - (0.95 - start) x 0.98^n (two decimals).
SELECT user_id, n AS informative_swipes, b.confidence_level AS start, p.confidence_level AS confidence, rule AS by_the_rule,
       p.confidence_level = rule AS follows_the_rule
  FROM before b JOIN profile_view a USING (user_id) JOIN personality_profiles p USING (user_id),
       LATERAL (SELECT a.informative::text::int - coalesce(b.informative::text::int, 0)) x(n),
       LATERAL (SELECT round(0.95 - (0.95 - b.confidence_level) * 0.98 ^ n, 2)) y(rule)
 WHERE user_id IN ('00000000-0000-4000-d000-000000000002', '00000000-0000-4000-d000-000000000003')
 ORDER BY user_id;
-- The swiped recommendations are marked, the other one is not.
SELECT user_id, product_id, is_swiped, swipe_direction, interacted_at IS NOT NULL AS interacted
  FROM personality_recommendations ORDER BY user_id, product_id;
-- The primary type has not changed: no history row from behaviour yet.
SELECT count(*) AS behavior_change_rows FROM personality_assessment_history WHERE assessment_trigger = 'behavior_change';

-- A faster learning rate turns user 3 adventurous: one behavior_change history row.
SET LOCAL personality.learning_rate = 0.5;
INSERT INTO swipes (user_id, product_id, direction)
SELECT '00000000-0000-4000-d000-000000000003', ('00000000-0000-4000-e000-' || lpad(g::text, 12, '0'))::uuid, 'up'
  FROM generate_series(1, 3) g ORDER BY g;
SELECT personality_sync_profile() AS profiles_written;
SELECT * FROM profile_view WHERE user_id = '00000000-0000-4000-d000-000000000003';
SELECT user_id, primary_type, assessment_trigger, questions_answered, user_swipes_count,
       behavioral_consistency, assessment_data,
       (SELECT jsonb_object_agg(k, personality_scores->k)
          FROM unnest(ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social', 'behavioral_consistency']) k) AS scores
  FROM personality_assessment_history WHERE assessment_trigger = 'behavior_change' ORDER BY user_id;
RESET personality.learning_rate;

-- behavioral_consistency is stored in the scores, within 0..1, and the match function
-- still works on the learnt scores (it ignores the bookkeeping keys).
SELECT user_id, (personality_scores->>'behavioral_consistency')::numeric BETWEEN 0 AND 1 AS consistency_in_0_1,
       calculate_personality_product_match(personality_scores, NULL, NULL) AS match_seed_mode,
       calculate_personality_product_match(personality_scores, NULL, NULL)
         = calculate_personality_product_match(personality_scores - 'behavioral_consistency' - 'behavior_evidence'
                                               - 'behavior_informative', NULL, NULL) AS same_without_extra_keys,
       calculate_personality_product_match(personality_scores, personality_product_traits('sports-outdoors', ARRAY['hiking', 'camping']), NULL)
         > calculate_personality_product_match(personality_scores, personality_product_traits('home-garden', ARRAY['tools', 'kitchen']), NULL)
         AS prefers_trail_kit
  FROM personality_profiles ORDER BY user_id;

-- A profile whose personality_scores is not a JSON object (written by hand: an array,
-- a JSON null) learns like a new one and ends up with an object of scores.
INSERT INTO personality_profiles (user_id, primary_type, personality_scores)
VALUES ('00000000-0000-4000-d000-000000000006', 'adventurous', '[1, 2]'),
       ('00000000-0000-4000-d000-000000000007', 'adventurous', 'null');
INSERT INTO swipes (user_id, product_id, direction)
VALUES ('00000000-0000-4000-d000-000000000006', '00000000-0000-4000-e000-000000000001', 'right'),
       ('00000000-0000-4000-d000-000000000007', '00000000-0000-4000-e000-000000000001', 'right');
SELECT user_id, jsonb_typeof(personality_scores) AS scores_type, personality_scores->'adventurous' AS adventurous,
       personality_scores->'behavior_evidence' AS evidence
  FROM personality_profiles
 WHERE user_id IN ('00000000-0000-4000-d000-000000000006', '00000000-0000-4000-d000-000000000007')
 ORDER BY user_id;
DELETE FROM personality_profiles
 WHERE user_id IN ('00000000-0000-4000-d000-000000000006', '00000000-0000-4000-d000-000000000007');

-- Directions: case-insensitive synonyms on a table of the app's own shape.
SELECT personality_attach_behavior('swipe_interactions');
SELECT * FROM personality_swipe_tables ORDER BY swipe_table::text;
INSERT INTO swipe_interactions (user_id, product_id, swipe_direction)
VALUES ('00000000-0000-4000-d000-000000000002', '00000000-0000-4000-e000-000000000001', ' LIKE '),
       ('00000000-0000-4000-d000-000000000002', '00000000-0000-4000-e000-000000000101', 'Pass'),
       ('00000000-0000-4000-d000-000000000002', '00000000-0000-4000-c000-000000000001', 'skip');
SELECT product_id, is_swiped, swipe_direction FROM personality_recommendations
 WHERE user_id = '00000000-0000-4000-d000-000000000002' ORDER BY product_id;

-- personality.learning_rate = 0: likes change no score (the swipe is still counted).
INSERT INTO personality_profiles (user_id, primary_type, personality_scores)
VALUES ('00000000-0000-4000-d000-000000000005', 'adventurous',
        '{"adventurous": 50, "intellectual": 50, "practical": 50, "creative": 50, "social": 50}');
SET LOCAL personality.learning_rate = 0;
INSERT INTO swipes (user_id, product_id, direction)
SELECT '00000000-0000-4000-d000-000000000005', ('00000000-0000-4000-e000-' || lpad(g::text, 12, '0'))::uuid, 'right'
  FROM generate_series(1, 5) g ORDER BY g;
SELECT personality_sync_profile() AS profiles_written;
SELECT user_id, primary_type, scores, evidence FROM profile_view WHERE user_id = '00000000-0000-4000-d000-000000000005';
-- Out of range: SET refuses it (22023) and the setting keeps its value.
SET personality.learning_rate = 1.5;
\echo :LAST_ERROR_SQLSTATE
SET personality.learning_rate = -0.1;
\echo :LAST_ERROR_SQLSTATE
SHOW personality.learning_rate;
ROLLBACK;
SHOW personality.learning_rate;

-- 2b. The profile row and the learning state (rolled back). Every swipe learns into
-- personality_learning_state (shown by personality_learning); personality_profiles is
-- rewritten at a user's first swipe, when a trait moved 5 points
-- (personality.profile_sync_points), the primary/secondary types or the confidence
-- (0.05) changed, after 20 swipes (personality.profile_sync_swipes), and by
-- personality_sync_profile(), personality_assess() and personality_recommend().
BEGIN;
INSERT INTO personality_profiles (user_id, primary_type, personality_scores, confidence_level, assessment_method)
VALUES ('00000000-0000-4000-d000-000000000006', 'adventurous',
        '{"adventurous": 90, "intellectual": 20, "practical": 20, "creative": 20, "social": 20}', 0.80, 'quiz');
-- The first swipe writes the profile row: it shows behaviour now (method hybrid).
INSERT INTO swipes (user_id, product_id, direction)
VALUES ('00000000-0000-4000-d000-000000000006', '00000000-0000-4000-e000-000000000001', 'right');
SELECT evidence, scores->'adventurous' AS adventurous, assessment_method FROM profile_view
 WHERE user_id = '00000000-0000-4000-d000-000000000006';
-- Four more adventurous likes move adventurous by less than 5 points: the row waits,
-- personality_learning has every swipe.
INSERT INTO swipes (user_id, product_id, direction)
SELECT '00000000-0000-4000-d000-000000000006', ('00000000-0000-4000-e000-' || lpad(g::text, 12, '0'))::uuid, 'right'
  FROM generate_series(2, 5) g ORDER BY g;
SELECT swipes, informative_swipes, swipes_not_in_profile, adventurous, confidence FROM personality_learning
 WHERE user_id = '00000000-0000-4000-d000-000000000006';
SELECT evidence, scores->'adventurous' AS adventurous FROM profile_view
 WHERE user_id = '00000000-0000-4000-d000-000000000006';
SELECT personality_sync_profile('00000000-0000-4000-d000-000000000006') AS written,
       personality_sync_profile('00000000-0000-4000-d000-000000000006') AS written_again;
SELECT v.evidence, (v.scores->>'adventurous')::numeric = l.adventurous AS same_adventurous,
       p.confidence_level = round(l.confidence, 2) AS same_confidence, l.swipes_not_in_profile
  FROM profile_view v JOIN personality_learning l USING (user_id) JOIN personality_profiles p USING (user_id)
 WHERE user_id = '00000000-0000-4000-d000-000000000006';
-- personality.profile_sync_points = 0 writes the profile row on every swipe.
SET LOCAL personality.profile_sync_points = 0;
INSERT INTO swipes (user_id, product_id, direction)
VALUES ('00000000-0000-4000-d000-000000000006', '00000000-0000-4000-e000-000000000006', 'right');
SELECT l.swipes, l.swipes_not_in_profile, v.evidence FROM personality_learning l JOIN profile_view v USING (user_id)
 WHERE user_id = '00000000-0000-4000-d000-000000000006';
RESET personality.profile_sync_points;
-- A deleted learning state loses nothing the profile row shows: the next swipe rebuilds it.
DELETE FROM personality_learning_state WHERE user_id = '00000000-0000-4000-d000-000000000006';
INSERT INTO swipes (user_id, product_id, direction)
VALUES ('00000000-0000-4000-d000-000000000006', '00000000-0000-4000-e000-000000000007', 'right');
SELECT swipes, swipes_not_in_profile FROM personality_learning WHERE user_id = '00000000-0000-4000-d000-000000000006';
-- personality_assess writes pending learning into the profile first (its blend counts
-- every swipe), then hands the user back to the profile row.
SELECT (p.personality_scores->>'behavior_evidence')::int AS evidence_seen_by_the_quiz
  FROM personality_assess('00000000-0000-4000-d000-000000000006',
           (SELECT jsonb_object_agg(q.question_id,
                       (SELECT o->>'value' FROM jsonb_array_elements(q.options) e(o)
                         WHERE (o->'traits'->>'social')::numeric = 1))
              FROM personality_quiz_questions q WHERE q.is_active), 240, 'retake') p;
SELECT count(*) AS learning_rows FROM personality_learning_state WHERE user_id = '00000000-0000-4000-d000-000000000006';
-- ... and personality_recommend ranks with the pending learning written.
INSERT INTO swipes (user_id, product_id, direction)
VALUES ('00000000-0000-4000-d000-000000000006', '00000000-0000-4000-e000-000000000008', 'right');
SELECT swipes_not_in_profile FROM personality_learning WHERE user_id = '00000000-0000-4000-d000-000000000006';
SELECT count(*) > 0 AS recommended FROM personality_recommend('00000000-0000-4000-d000-000000000006', 5);
SELECT swipes_not_in_profile FROM personality_learning WHERE user_id = '00000000-0000-4000-d000-000000000006';
-- Deleting the profile deletes its learning state.
DELETE FROM personality_profiles WHERE user_id = '00000000-0000-4000-d000-000000000006';
SELECT count(*) AS learning_rows FROM personality_learning_state WHERE user_id = '00000000-0000-4000-d000-000000000006';
ROLLBACK;

-- 3. Attaching and detaching (rolled back).
BEGIN;
SELECT personality_attach_behavior('swipe_interactions');
-- Re-attaching replaces the trigger.
SELECT personality_attach_behavior('swipe_interactions', 'swipe_direction');
SELECT * FROM personality_swipe_tables ORDER BY swipe_table::text;
CREATE TABLE swipes_without_user (id int, product_id uuid, direction text);
SELECT personality_attach_behavior('swipes_without_user');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE swipes_without_direction (id int, user_id uuid, product_id uuid);
SELECT personality_attach_behavior('swipes_without_direction');
\echo :LAST_ERROR_SQLSTATE
SELECT personality_attach_behavior('swipes_without_direction', 'verdict');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE not_swipes (id int);
SELECT personality_attach_behavior('not_swipes');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM personality_swipe_tables ORDER BY swipe_table::text;
SELECT personality_detach_behavior('swipe_interactions') AS detached;
SELECT personality_detach_behavior('swipe_interactions') AS detached_again;
SELECT * FROM personality_swipe_tables ORDER BY swipe_table::text;
ROLLBACK;

-- 3b. Statement-level learning for bulk loads (rolled back): the same learning as row
-- by row. Users 1-5 swipe on swipes (row level), users 6-10 the very same sequence on
-- swipe_interactions attached per statement; both groups start from the same profiles
-- and recommendations (users 1 and 6 without a profile).
BEGIN;
SELECT personality_attach_behavior('swipe_interactions', 'swipe_direction', 'statement');
SELECT * FROM personality_swipe_tables ORDER BY swipe_table::text;
SELECT personality_attach_behavior('swipe_interactions', 'swipe_direction', 'sometimes');
\echo :LAST_ERROR_SQLSTATE
CREATE TABLE text_swipes (user_id text, product_id text, direction text);
SELECT personality_attach_behavior('text_swipes', NULL, 'statement');
\echo :LAST_ERROR_SQLSTATE
INSERT INTO personality_profiles (user_id, primary_type, personality_scores, confidence_level, assessment_method)
SELECT ('00000000-0000-4000-d000-' || lpad((k + g)::text, 12, '0'))::uuid, 'adventurous',
       jsonb_build_object('adventurous', 40 + 10 * k, 'intellectual', 60 - 5 * k, 'practical', 50,
                          'creative', 30 + 7 * k, 'social', 45), 0.5, 'quiz'
  FROM generate_series(2, 5) k, (VALUES (0), (5)) grp(g)
ON CONFLICT (user_id) DO NOTHING;
INSERT INTO personality_recommendations (user_id, product_id, personality_profile_id, personality_match_score,
    category_alignment_score, behavioral_prediction, combined_score, confidence_level)
SELECT p.user_id, ('00000000-0000-4000-c000-' || lpad(r::text, 12, '0'))::uuid, p.id, 0.5, 0.5, 0.5, 0.5, 0.5
  FROM personality_profiles p, generate_series(1, 40) r
 WHERE right(p.user_id::text, 2)::int BETWEEN 2 AND 10 AND right(p.user_id::text, 2)::int <> 6
ON CONFLICT DO NOTHING;
CREATE TEMP TABLE bulk_swipes AS
SELECT g, 1 + g % 5 AS k,
       ('00000000-0000-4000-' || CASE WHEN g % 7 = 0 THEN 'e' ELSE 'c' END || '000-'
        || lpad((1 + (g * 37) % CASE WHEN g % 7 = 0 THEN 10 ELSE 150 END)::text, 12, '0'))::uuid AS product_id,
       (ARRAY['right', 'left', 'up', 'down', 'right', 'right'])[1 + (g * 13) % 6] AS direction
  FROM generate_series(1, 1500) g;
INSERT INTO swipes (user_id, product_id, direction)
SELECT ('00000000-0000-4000-d000-' || lpad(k::text, 12, '0'))::uuid, product_id, direction FROM bulk_swipes ORDER BY g;
-- One statement: every swipe, plus a NULL user and a user the host does not know.
INSERT INTO swipe_interactions (user_id, product_id, swipe_direction)
SELECT u, product_id, direction FROM (
    SELECT g, ('00000000-0000-4000-d000-' || lpad((k + 5)::text, 12, '0'))::uuid AS u, product_id, direction FROM bulk_swipes
    UNION ALL SELECT 0, NULL, '00000000-0000-4000-e000-000000000001', 'right'
    UNION ALL SELECT 1501, '00000000-0000-4000-9999-000000000005', '00000000-0000-4000-e000-000000000001', 'right') x
 ORDER BY g;
SELECT count(*) AS inserted FROM swipe_interactions;
CREATE TEMP VIEW learnt AS
SELECT right(s.user_id::text, 2)::int AS n, 'state' AS what, s.state::text AS v FROM personality_learning_state s
UNION ALL
SELECT right(user_id::text, 2)::int, 'profile',
       concat_ws(' ', primary_type, secondary_types::text, personality_scores::text, confidence_level, assessment_method)
  FROM personality_profiles
UNION ALL
SELECT right(user_id::text, 2)::int, 'history ' || user_swipes_count,
       concat_ws(' ', primary_type, behavioral_consistency, personality_scores::text, assessment_data::text)
  FROM personality_assessment_history WHERE assessment_trigger = 'behavior_change'
UNION ALL
SELECT right(user_id::text, 2)::int, 'mark ' || product_id, concat_ws(' ', is_swiped, swipe_direction, interacted_at IS NOT NULL)
  FROM personality_recommendations;
-- What was learnt (row level, users 1-5) ...
SELECT split_part(what, ' ', 1) AS what, count(*) FROM learnt WHERE n BETWEEN 1 AND 5 GROUP BY 1 ORDER BY 1;
SELECT sum(swipes) AS swipes_learnt_row, (SELECT sum(swipes) FROM personality_learning WHERE right(user_id::text, 2)::int BETWEEN 6 AND 10) AS swipes_learnt_statement
  FROM personality_learning WHERE right(user_id::text, 2)::int BETWEEN 1 AND 5;
-- ... and every difference between the two groups: none.
SELECT coalesce(r.n, s.n - 5) AS user_number, coalesce(r.what, s.what) AS what, r.v AS row_level, s.v AS statement_level
  FROM (SELECT * FROM learnt WHERE n BETWEEN 1 AND 5) r
  FULL JOIN (SELECT * FROM learnt WHERE n BETWEEN 6 AND 10) s ON s.n = r.n + 5 AND s.what = r.what
 WHERE r.v IS DISTINCT FROM s.v;
ROLLBACK;

-- 4. Swipes the trigger cannot learn from are still inserted and committed.
SELECT personality_attach_behavior('swipe_interactions');
BEGIN;
-- A product the catalog does not know (swipe_interactions has no foreign keys).
INSERT INTO swipe_interactions (user_id, product_id, swipe_direction)
VALUES ('00000000-0000-4000-d000-000000000004', '00000000-0000-4000-f000-000000000001', 'right');
-- A product without category or tags.
INSERT INTO swipes (user_id, product_id, direction)
VALUES ('00000000-0000-4000-d000-000000000004', '00000000-0000-4000-e000-000000000999', 'right');
-- NULL user, NULL product.
INSERT INTO swipe_interactions (user_id, product_id, swipe_direction)
VALUES (NULL, '00000000-0000-4000-e000-000000000001', 'right');
INSERT INTO swipe_interactions (user_id, product_id, swipe_direction)
VALUES ('00000000-0000-4000-d000-000000000004', NULL, 'right');
-- A direction it does not know, and none.
INSERT INTO swipe_interactions (user_id, product_id, swipe_direction)
VALUES ('00000000-0000-4000-d000-000000000004', '00000000-0000-4000-e000-000000000002', 'sideways');
INSERT INTO swipe_interactions (user_id, product_id, swipe_direction)
VALUES ('00000000-0000-4000-d000-000000000004', '00000000-0000-4000-e000-000000000003', NULL);
-- A user the host does not know: the profile cannot be created, the swipe is kept.
INSERT INTO swipe_interactions (user_id, product_id, swipe_direction)
VALUES ('00000000-0000-4000-9999-000000000004', '00000000-0000-4000-e000-000000000004', 'right');
COMMIT;
SELECT user_id, product_id, swipe_direction FROM swipe_interactions ORDER BY id;
SELECT user_id, product_id, direction FROM swipes ORDER BY user_id, product_id;
-- User 4 learnt nothing from them, but every swipe with a user counts as evidence.
SELECT personality_sync_profile() AS profiles_written;
SELECT * FROM profile_view ORDER BY user_id;

-- 5. In a new session the library is not loaded yet, so SET cannot check the value;
-- the bad value is refused with a WARNING as soon as the library loads, and learning
-- uses the default rate.
\c
SET personality.learning_rate = 1.5;
INSERT INTO swipe_interactions (user_id, product_id, swipe_direction)
VALUES ('00000000-0000-4000-d000-000000000004', '00000000-0000-4000-e000-000000000005', 'right');
SHOW personality.learning_rate;
SELECT personality_sync_profile() AS profiles_written;
SELECT scores->'adventurous' AS adventurous FROM profile_view WHERE user_id = '00000000-0000-4000-d000-000000000004';

-- 6. DROP EXTENSION without CASCADE while triggers are attached: it removes them and
-- its own objects, and leaves the host's tables and their rows.
DROP VIEW profile_view;
BEGIN;
SELECT count(*) AS attached FROM personality_swipe_tables;
DROP EXTENSION personality_ext;
SELECT tgrelid::regclass AS table_name, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1::text, 2;
SELECT to_regclass('personality_profiles') AS profiles_table, to_regclass('personality_product_features') AS features_view,
       (SELECT count(*) FROM pg_proc WHERE proname LIKE '%personality%') AS functions_left;
SELECT (SELECT count(*) FROM swipes) AS swipes, (SELECT count(*) FROM swipe_interactions) AS swipe_interactions,
       (SELECT count(*) FROM products) AS products, (SELECT count(*) FROM profiles) AS profiles;
-- Swipes still insert.
INSERT INTO swipes (user_id, product_id, direction)
VALUES ('00000000-0000-4000-d000-000000000004', '00000000-0000-4000-e000-000000000006', 'left');
INSERT INTO swipe_interactions (user_id, product_id, swipe_direction)
VALUES ('00000000-0000-4000-d000-000000000004', '00000000-0000-4000-e000-000000000006', 'left');
COMMIT;

-- Clean up for the tests that follow.
DROP TABLE swipe_interactions, swipes, products, categories, profiles;
SELECT count(*) AS objects_left FROM pg_class WHERE relnamespace = 'public'::regnamespace;
