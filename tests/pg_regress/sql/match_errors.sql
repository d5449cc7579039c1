-- calculate_personality_product_match(p_personality_scores, p_product_tags,
-- p_category_mappings) and personality_product_traits(category, tags): every error
-- with its SQLSTATE (22023 wrong JSON type, 22P02 non-numeric string), the values the
-- seed defines (no product affinities), the documented departures from the seed
-- (unknown keys ignored, JSON null as absent, clamping instead of overflow), huge and
-- deeply nested documents, NULL arguments, and the product-affinity mode.
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
BEGIN;
\set ECHO none
\ir ../fixtures/host_schema.sql
\set ECHO all
CREATE EXTENSION personality_ext;

-- 1. Personality scores that are not a JSON object: 22023.
SELECT calculate_personality_product_match('[85, 70]', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('"adventurous"', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('85', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('true', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('null', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE

-- 2. A trait value that is not a number: letters 22P02, other JSON types 22023.
SELECT calculate_personality_product_match('{"adventurous": "high"}', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('{"adventurous": 85, "social": true}', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('{"practical": [45]}', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('{"creative": {"value": 60}}', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
-- The message quotes at most 60 characters of a long string.
SELECT calculate_personality_product_match(jsonb_build_object('intellectual', repeat('x', 1000)), NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
-- NaN is not a score (the seed returned 1.0 for it).
SELECT calculate_personality_product_match('{"adventurous": "NaN"}', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE

-- 3. The same for alignment_score in p_category_mappings.
SELECT calculate_personality_product_match('{"adventurous": 85}', NULL, '{"alignment_score": "strong"}');
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('{"adventurous": 85}', NULL, '{"alignment_score": false}');
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('{"adventurous": 85}', NULL, '{"alignment_score": [0.5]}');
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('{"adventurous": 85}', NULL, '{"alignment_score": {"value": 0.5}}');
\echo :LAST_ERROR_SQLSTATE

-- 4. Product tags that are neither an object of affinities nor an array of tags: 22023.
SELECT calculate_personality_product_match('{"adventurous": 85}', '42', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('{"adventurous": 85}', '"hiking"', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('{"adventurous": 85}', 'false', NULL);
\echo :LAST_ERROR_SQLSTATE
-- An affinity value of the wrong type, as for scores.
SELECT calculate_personality_product_match('{"adventurous": 85}', '{"adventurous": "very"}', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT calculate_personality_product_match('{"adventurous": 85}', '{"adventurous": true}', NULL);
\echo :LAST_ERROR_SQLSTATE

-- 5. Values without product affinities: exactly the seed's.
-- The seed's example: 85 x .30 + 70 x .25 + 45 x .20 (all / 100).
SELECT calculate_personality_product_match('{"adventurous": 85, "intellectual": 70, "practical": 45}', NULL, NULL) AS seed_example;
SELECT calculate_personality_product_match('{"adventurous": 85, "intellectual": 70, "practical": 45}', '[]', '{}') AS empty_tags_and_mappings,
       calculate_personality_product_match('{"adventurous": 85, "intellectual": 70, "practical": 45}', '{}', '{"alignment_score": 0.5}') AS with_alignment;
-- All five traits at 100 is 1.0000; every trait alone at 100 is its weight.
SELECT calculate_personality_product_match('{"adventurous": 100, "intellectual": 100, "practical": 100, "creative": 100, "social": 100}', NULL, NULL) AS all_100;
SELECT k, calculate_personality_product_match(jsonb_build_object(k, 100), NULL, NULL) AS weight
  FROM unnest(ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social']) k ORDER BY 2 DESC;
-- Unknown keys are ignored whatever their value (the seed raised CASE_NOT_FOUND).
SELECT calculate_personality_product_match(
    '{"adventurous": 85, "intellectual": 70, "practical": 45, "behavioral_consistency": 0.73,
      "behavior_evidence": 12, "note": "abc", "tags": [1, {"x": true}], "Adventurous": "high"}', NULL, NULL) AS unknown_keys_ignored;
-- A JSON null trait counts as absent (the seed returned 1.0 whatever the rest).
SELECT calculate_personality_product_match('{"adventurous": 85, "intellectual": null, "practical": 45}', NULL, NULL) AS null_trait,
       calculate_personality_product_match('{"adventurous": 85, "practical": 45}', NULL, NULL) AS trait_absent;
-- Numeric strings are numbers (as the seed's ::DECIMAL cast), with spaces and exponents.
SELECT calculate_personality_product_match('{"adventurous": 85}', NULL, NULL) AS number,
       calculate_personality_product_match('{"adventurous": "85"}', NULL, NULL) AS string,
       calculate_personality_product_match('{"adventurous": " 8.5e1 "}', NULL, NULL) AS exponent_string,
       calculate_personality_product_match('{"adventurous": 8.5e1}', NULL, NULL) AS exponent_number;
SELECT calculate_personality_product_match('{"adventurous": 50}', NULL, '{"alignment_score": "0.5"}') AS alignment_string,
       calculate_personality_product_match('{"adventurous": 50}', NULL, '{"alignment_score": null}') AS alignment_null,
       calculate_personality_product_match('{"adventurous": 50}', NULL, '{"other": 1}') AS alignment_absent,
       calculate_personality_product_match('{"adventurous": 50}', NULL, '[0.5]') AS mappings_not_an_object;
-- Out of range: clamped to [0, 1] (the seed overflowed on a total of 10 or more).
SELECT calculate_personality_product_match('{"adventurous": 1e300}', NULL, NULL) AS huge,
       calculate_personality_product_match('{"adventurous": -50}', NULL, NULL) AS negative,
       calculate_personality_product_match('{"adventurous": -1e300}', NULL, NULL) AS huge_negative,
       calculate_personality_product_match('{"adventurous": 200}', NULL, NULL) AS above_100,
       calculate_personality_product_match('{"adventurous": "Infinity"}', NULL, NULL) AS infinity,
       calculate_personality_product_match('{"adventurous": "-Infinity"}', NULL, NULL) AS minus_infinity;
-- Where the seed overflowed midway, the exact sum counts: 15 - 13.9 = 1.1 and 15 - 14.9 = 0.1.
SELECT calculate_personality_product_match('{"adventurous": 5000, "social": -13900}', NULL, NULL) AS exact_sum_1_1_clamped,
       calculate_personality_product_match('{"adventurous": 5000, "social": -14900}', NULL, NULL) AS exact_sum_0_1,
       calculate_personality_product_match('{"adventurous": 50}', NULL, '{"alignment_score": 1e10}') AS huge_alignment;
-- The result is numeric with 4 decimals.
SELECT pg_typeof(calculate_personality_product_match('{}', NULL, NULL)) AS type,
       calculate_personality_product_match('{}', NULL, NULL) AS empty_scores;

-- 6. NULL arguments: scores NULL count as none, mappings NULL as no bonus.
SELECT calculate_personality_product_match(NULL, NULL, NULL) AS all_null,
       calculate_personality_product_match(NULL, NULL, '{"alignment_score": 1}') AS only_alignment,
       calculate_personality_product_match('{"adventurous": 85}', NULL, NULL) AS tags_and_mappings_null,
       calculate_personality_product_match(NULL, '{"adventurous": 1}', NULL) AS only_affinities,
       calculate_personality_product_match('{"adventurous": 85}', 'null', NULL) AS json_null_tags;

-- 7. Big inputs complete quickly: a 'behavioral_consistency' key holding 10,000 levels of
-- nested arrays, and a ~1 MB document of unknown keys.
CREATE TEMP TABLE big(name text, doc jsonb);
INSERT INTO big
SELECT 'deeply nested', ('{"adventurous": 50, "behavioral_consistency": ' || repeat('[', 10000) || repeat(']', 10000) || '}')::jsonb
UNION ALL
SELECT '1 MB', (SELECT jsonb_object_agg('unknown_key_' || g, g) FROM generate_series(1, 40000) g)
               || '{"adventurous": 85, "intellectual": 70, "practical": 45}';
SELECT name, octet_length(doc::text) AS text_bytes FROM big ORDER BY name;
SELECT clock_timestamp() AS t0 \gset
SELECT name, calculate_personality_product_match(doc, NULL, NULL) AS score,
       calculate_personality_product_match(doc, '{"adventurous": 1}', '{"alignment_score": 0.5}') AS with_affinity
  FROM big ORDER BY name;
-- 100 calls on each document.
SELECT name, min(calculate_personality_product_match(doc, NULL, NULL)) AS score
  FROM big, generate_series(1, 100) GROUP BY name ORDER BY name;
SELECT clock_timestamp() - :'t0'::timestamptz < interval '5 seconds' AS quick;

-- 8. With product affinities: 0.75 x fit + 0.25 x the seed's sum (+ 0.2 x alignment).
-- Affinities as an object and as an array of tag names (a trait's name counts 1).
SELECT calculate_personality_product_match('{"adventurous": 90, "social": 20}', '{"adventurous": 1}', NULL) AS object_form,
       calculate_personality_product_match('{"adventurous": 90, "social": 20}', '["adventurous", "hiking"]', NULL) AS array_form,
       calculate_personality_product_match('{"adventurous": 90, "social": 20}', '[" Adventurous "]', NULL) AS array_form_trimmed,
       calculate_personality_product_match('{"adventurous": 90, "social": 20}', '{"adventurous": "1"}', NULL) AS numeric_string;
-- An array without trait names, or only zero / negative / null affinities: the seed's formula.
SELECT calculate_personality_product_match('{"adventurous": 90, "social": 20}', NULL, NULL) AS seed_formula,
       calculate_personality_product_match('{"adventurous": 90, "social": 20}', '["hiking", 3, null]', NULL) AS no_trait_names,
       calculate_personality_product_match('{"adventurous": 90, "social": 20}', '{"adventurous": 0, "social": -1, "creative": null}', NULL) AS no_positive_affinity;
-- Affinities above 1 count as 1; unknown keys are ignored.
SELECT calculate_personality_product_match('{"adventurous": 90, "social": 20}', '{"adventurous": 7, "colour": "red"}', NULL) AS clamped;
-- The same person: a product aimed at their strongest trait beats one aimed at their
-- weakest by 0.75 x (90 - 20) / 100 = 0.5250.
SELECT strongest, weakest, strongest > weakest AS strongest_wins, strongest - weakest AS difference
  FROM (SELECT calculate_personality_product_match(s, '{"adventurous": 1}', NULL) AS strongest,
               calculate_personality_product_match(s, '{"social": 1}', NULL) AS weakest
          FROM (SELECT '{"adventurous": 90, "intellectual": 60, "practical": 40, "creative": 30, "social": 20}'::jsonb) x(s)) y;
-- A practical person: the practical product wins, with alignment too.
SELECT calculate_personality_product_match(s, '{"practical": 0.9, "intellectual": 0.2}', m) AS practical_product,
       calculate_personality_product_match(s, '{"adventurous": 0.9, "creative": 0.2}', m) AS adventurous_product
  FROM (SELECT '{"adventurous": 15, "intellectual": 50, "practical": 95, "creative": 30, "social": 40}'::jsonb,
               '{"alignment_score": 0.3}'::jsonb) x(s, m);
-- Raising a trait the product appeals to never lowers its match (adventurous 0..100).
SELECT bool_and(a <= b) AS non_decreasing, min(a) AS lowest, max(b) AS highest
  FROM (SELECT calculate_personality_product_match(jsonb_build_object('adventurous', g, 'creative', 40),
                                                  '{"adventurous": 0.9, "creative": 0.3}', NULL) AS a,
               calculate_personality_product_match(jsonb_build_object('adventurous', g + 1, 'creative', 40),
                                                  '{"adventurous": 0.9, "creative": 0.3}', NULL) AS b
          FROM generate_series(0, 99) g) x;
-- Out-of-range scores are clamped to 0..100 in this mode.
SELECT calculate_personality_product_match('{"adventurous": 1e300}', '{"adventurous": 1}', NULL) AS huge,
       calculate_personality_product_match('{"adventurous": -1e300}', '{"adventurous": 1}', NULL) AS huge_negative;

-- 9. personality_product_traits(category, tags), from the default gift mappings.
SELECT personality_product_traits('sports-outdoors', ARRAY['hiking', 'camping']) AS sports_hiking_camping;
SELECT key AS top_trait FROM jsonb_each(personality_product_traits('sports-outdoors', ARRAY['hiking', 'camping']))
 ORDER BY value::numeric DESC, key LIMIT 1;
-- Categories and tags are compared trimmed and case-insensitively; NULL tags are skipped.
SELECT personality_product_traits(' Sports-Outdoors ', ARRAY['HIKING', NULL, 'camping ']) AS normalized;
-- home-garden is avoided by adventurous: 0 for it despite adventurous tags.
SELECT personality_product_traits('home-garden', ARRAY['hiking', 'camping']) AS avoided_category;
SELECT personality_product_traits('home-garden', ARRAY['tools', 'kitchen']) AS home_tools_kitchen;
SELECT personality_product_traits('books-media', ARRAY['books']) AS books;
-- Tags alone (no category), the trait's own name as a tag.
SELECT personality_product_traits(NULL, ARRAY['party', 'social']) AS tags_only;
-- An unknown category without tags, and NULL arguments: all zeros.
SELECT personality_product_traits('no-such-category', NULL) AS unknown_category,
       personality_product_traits('no-such-category', '{}') AS unknown_category_empty_tags;
SELECT personality_product_traits(NULL, NULL) AS all_null;
-- Feeding the affinities to the match function: the adventurous person prefers the
-- hiking gear, the practical person the kitchen tools.
SELECT who,
       calculate_personality_product_match(s, personality_product_traits('sports-outdoors', ARRAY['hiking', 'camping']), NULL) AS hiking_gear,
       calculate_personality_product_match(s, personality_product_traits('home-garden', ARRAY['tools', 'kitchen']), NULL) AS kitchen_tools
  FROM (VALUES ('adventurous person', '{"adventurous": 90, "intellectual": 50, "practical": 20, "creative": 40, "social": 30}'::jsonb),
               ('practical person', '{"adventurous": 20, "intellectual": 50, "practical": 90, "creative": 40, "social": 30}'::jsonb)) x(who, s)
 ORDER BY who;
-- Edited mappings are used at once (the cache is per statement).
UPDATE personality_gift_mappings SET recommendation_weight = 0.5 WHERE personality_type = 'adventurous';
SELECT personality_product_traits('sports-outdoors', ARRAY['hiking', 'camping'])->'adventurous' AS after_edit;
ROLLBACK;
