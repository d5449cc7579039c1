-- Differential test of calculate_personality_product_match against the seed (issue 3).
-- seed_calculate_personality_product_match (tests/fixtures/seed_functions.sql) is the
-- seed's PL/pgSQL function line for line (shared/seed/personality_audit.md); 12,000 deterministic inputs (generate_series and
-- hashint8, no random()) with integers, decimals up to 6 places, numeric strings,
-- missing traits, out-of-range and near-overflow values, and alignment present, absent,
-- null or not an object, are fed to both. Wherever the seed returns a value the native
-- function must return the same value; where the seed fails (numeric field overflow)
-- the native result must be in [0, 1] and, per the README, the exact sum clamped.
-- Then the documented deviations, each on its own: extra keys (the seed raises
-- CASE_NOT_FOUND, the native function ignores them) and JSON null traits (the seed
-- then returns 1.0, the native function treats them as absent).
-- p_product_tags is NULL, '[]' or '{}' throughout (the seed ignores it; with product
-- affinities the native function uses another formula).
\set SHOW_CONTEXT never
BEGIN;
\set ECHO none
\ir ../fixtures/host_schema.sql
\set ECHO all
CREATE EXTENSION personality_ext;

-- The seed's functions, verbatim but for their names (shared with the benchmarks).
\set ECHO none
\ir ../fixtures/seed_functions.sql
\set ECHO all

-- NULL where the seed raises; the SQLSTATE of that error, for diagnosis.
CREATE FUNCTION seed_match_or_null(s jsonb, t jsonb, m jsonb) RETURNS numeric
LANGUAGE plpgsql AS $$
BEGIN
    RETURN seed_calculate_personality_product_match(s, t, m);
EXCEPTION WHEN OTHERS THEN
    RETURN NULL;
END;
$$;
CREATE FUNCTION seed_sqlstate(s jsonb, t jsonb, m jsonb) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM seed_calculate_personality_product_match(s, t, m);
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END;
$$;

-- Deterministic pseudo-random non-negative integers.
CREATE FUNCTION diff_h(k bigint) RETURNS bigint LANGUAGE sql IMMUTABLE
AS $$ SELECT hashint8(k)::bigint & 2147483647 $$;

-- One trait's value as a JSON fragment, or NULL when the trait is absent.
CREATE FUNCTION diff_value(k bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT CASE r % 20
    -- absent
    WHEN 0 THEN NULL WHEN 1 THEN NULL WHEN 2 THEN NULL WHEN 3 THEN NULL
    -- integers 0..100
    WHEN 4 THEN (r / 20 % 101)::text WHEN 5 THEN (r / 20 % 101)::text
    WHEN 6 THEN (r / 20 % 101)::text WHEN 7 THEN (r / 20 % 101)::text
    WHEN 8 THEN (r / 20 % 101)::text
    -- decimals 0..100 with 0 to 6 places (trailing zeros kept: 85.10 has scale 2)
    WHEN 9 THEN round((r / 20 % 100000001)::numeric / 1000000, (r / 7 % 7)::int)::text
    WHEN 10 THEN round((r / 20 % 100000001)::numeric / 1000000, (r / 7 % 7)::int)::text
    WHEN 11 THEN round((r / 20 % 100000001)::numeric / 1000000, (r / 7 % 7)::int)::text
    -- 6 significant places written with 20 (display scale 20 changes the seed's division)
    WHEN 12 THEN ((r / 20 % 100000001)::numeric / 1000000)::text
    -- numeric strings, as the seed's ::DECIMAL cast accepts them
    WHEN 13 THEN '"' || CASE r / 20 % 6
        WHEN 0 THEN (r / 120 % 101)::text
        WHEN 1 THEN round((r / 120 % 100000001)::numeric / 1000000, (r / 7 % 7)::int)::text
        WHEN 2 THEN ' ' || (r / 120 % 101)::text || ' '
        WHEN 3 THEN round((r / 120 % 100000)::numeric / 1000, (r / 7 % 4)::int)::text || 'e' || (r / 7 % 5 - 2)::text
        WHEN 4 THEN '+' || (r / 120 % 101)::text
        ELSE '.' || lpad((r / 120 % 1000000)::text, 6, '0') END || '"'
    WHEN 14 THEN '"' || round((r / 20 % 100000001)::numeric / 1000000, (r / 7 % 7)::int)::text || '"'
    -- out of the 0..100 range, negatives included
    WHEN 15 THEN round((r / 20 % 300000001)::numeric / 1000000 - 100, (r / 7 % 7)::int)::text
    -- large enough for the running total to get near or past 10 (the seed's overflow)
    WHEN 16 THEN round((r / 20 % 3900000)::numeric / 1000 + 100, (r / 7 % 4)::int)::text
    -- huge or infinite: the seed always overflows
    WHEN 17 THEN (ARRAY['1e300', '-1e300', '40000', '99999.9999', '1e20', '123456789012345678',
                       '"Infinity"', '"-Infinity"', '"1e300"', '-40000'])[1 + r / 20 % 10]
    -- tiny values (rounding of small terms)
    WHEN 18 THEN round((r / 20 % 1000000)::numeric / 1000000, 6)::text
    -- JSON numbers written with an exponent
    ELSE round((r / 20 % 100000)::numeric / 1000, (r / 7 % 4)::int)::text || 'e' || (r / 7 % 5 - 2)::text
END FROM (SELECT diff_h(k) AS r) x
$$;

-- p_category_mappings as JSON text, or NULL.
CREATE FUNCTION diff_mappings(k bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
SELECT CASE r % 10
    WHEN 0 THEN NULL WHEN 1 THEN NULL
    WHEN 2 THEN '{}'
    WHEN 3 THEN '{"alignment_score": null}'
    WHEN 4 THEN '{"alignment_score": ' || round((r / 10 % 1000001)::numeric / 1000000, (r / 7 % 7)::int) || '}'
    WHEN 5 THEN '{"alignment_score": ' || round((r / 10 % 1000001)::numeric / 1000000, (r / 7 % 7)::int) || '}'
    WHEN 6 THEN '{"alignment_score": ' || round((r / 10 % 1000001)::numeric / 1000000, (r / 7 % 7)::int) || '}'
    WHEN 7 THEN '{"alignment_score": "' || round((r / 10 % 1000001)::numeric / 1000000, (r / 7 % 7)::int) || '"}'
    WHEN 8 THEN '{"alignment_score": ' || round((r / 10 % 3000001)::numeric / 1000000 - 1, (r / 7 % 7)::int)
                || ', "category": "books-media"}'
    ELSE (ARRAY['[]', '"x"', '5', '{"alignment_score": 60}', '{"alignment_score": 1e10}',
                '{"alignment_score": -60}', '{"other": 1}', 'null'])[1 + r / 10 % 8]
END FROM (SELECT diff_h(k) AS r) x
$$;

CREATE TABLE diff_cases AS
SELECT g,
       CASE WHEN g % 97 = 0 THEN NULL
            ELSE ('{' || concat_ws(', ',
                    '"adventurous": ' || diff_value(g * 8 + 1),
                    '"intellectual": ' || diff_value(g * 8 + 2),
                    '"practical": ' || diff_value(g * 8 + 3),
                    '"creative": ' || diff_value(g * 8 + 4),
                    '"social": ' || diff_value(g * 8 + 5)) || '}')::jsonb END AS s,
       (ARRAY[NULL, '[]', '{}'])[1 + g % 3]::jsonb AS t,
       diff_mappings(g * 8 + 6)::jsonb AS m
  FROM generate_series(1, 12000) g;

-- What the generator produced (guards against testing less than intended).
SELECT count(*) AS inputs,
       count(*) FILTER (WHERE s IS NULL) AS scores_sql_null,
       count(*) FILTER (WHERE s = '{}') AS scores_empty,
       count(*) FILTER (WHERE (SELECT count(*) FROM jsonb_object_keys(s)) BETWEEN 1 AND 4) AS some_traits_missing,
       count(*) FILTER (WHERE (SELECT count(*) FROM jsonb_object_keys(s)) = 5) AS all_five_traits
  FROM diff_cases;
SELECT jsonb_typeof(v) AS trait_value_type,
       count(*) AS trait_values,
       count(*) FILTER (WHERE jsonb_typeof(v) = 'number' AND v::text !~ '[.]') AS integers,
       count(*) FILTER (WHERE jsonb_typeof(v) = 'number' AND v::text ~ '[.]') AS decimals,
       count(*) FILTER (WHERE jsonb_typeof(v) = 'number' AND v::numeric NOT BETWEEN 0 AND 100) AS out_of_0_100
  FROM diff_cases, jsonb_each(s) e(k, v)
 GROUP BY 1 ORDER BY 1;
SELECT CASE WHEN m IS NULL THEN 'mappings NULL'
            WHEN jsonb_typeof(m) <> 'object' THEN 'mappings not an object'
            WHEN NOT m ? 'alignment_score' THEN 'alignment absent'
            ELSE 'alignment ' || jsonb_typeof(m->'alignment_score') END AS mappings,
       count(*)
  FROM diff_cases GROUP BY 1 ORDER BY 1;
SELECT coalesce(t::text, 'NULL') AS product_tags, count(*) FROM diff_cases GROUP BY 1 ORDER BY 1;

CREATE TABLE diff AS
SELECT g, s, t, m, seed_match_or_null(s, t, m) AS seed,
       calculate_personality_product_match(s, t, m) AS native
  FROM diff_cases;

-- The comparison: mismatches must be 0.
SELECT count(*) AS inputs,
       count(seed) AS seed_returned_a_value,
       count(*) FILTER (WHERE seed IS NOT NULL AND seed IS DISTINCT FROM native) AS mismatches
  FROM diff;
SELECT g, s, t, m, seed, native FROM diff
 WHERE seed IS NOT NULL AND seed IS DISTINCT FROM native
 ORDER BY g LIMIT 10;
-- The results are not all alike (scale 4, the whole range covered).
SELECT count(DISTINCT native) > 1000 AS many_distinct_results,
       count(*) FILTER (WHERE seed = 0) AS seed_zero, count(*) FILTER (WHERE seed = 1) AS seed_one,
       count(*) FILTER (WHERE seed > 0 AND seed < 1) AS seed_between,
       bool_and(scale(native) = 4) AS native_scale_4
  FROM diff;

-- Where the seed fails it overflows (22003), nothing else.
SELECT seed_sqlstate(s, t, m) AS seed_error, count(*) FROM diff WHERE seed IS NULL GROUP BY 1 ORDER BY 1;
-- There the native result is in [0, 1] ...
SELECT count(*) AS seed_failed,
       count(*) FILTER (WHERE native IS NULL OR native < 0 OR native > 1) AS native_out_of_range
  FROM diff WHERE seed IS NULL;
-- ... and, for finite values below 1e15, the exact sum (no intermediate rounding)
-- clamped to [0, 1] and rounded to 4 places, as the README says.
CREATE TABLE diff_overflow AS
SELECT d.g, d.s, d.m, d.native,
       round(greatest(0, least(1,
           coalesce((SELECT sum((d.s->>k)::numeric * w)
                       FROM (VALUES ('adventurous', 0.003), ('intellectual', 0.0025), ('practical', 0.002),
                                    ('creative', 0.0015), ('social', 0.001)) x(k, w)
                      WHERE d.s ? k), 0)
           + CASE WHEN d.m IS NULL THEN 0 ELSE 0.2 * coalesce((d.m->>'alignment_score')::numeric, 0) END)), 4) AS expected
  FROM diff d
 WHERE d.seed IS NULL
   AND NOT EXISTS (SELECT 1 FROM jsonb_each_text(d.s) e(k, v)
                    WHERE v ~* 'inf' OR abs(v::numeric) >= 1e15)
   AND coalesce(abs((d.m->>'alignment_score')::numeric), 0) < 1e15;
SELECT count(*) AS finite_overflows,
       count(*) FILTER (WHERE native IS DISTINCT FROM expected) AS not_the_clamped_sum
  FROM diff_overflow;
SELECT g, s, m, native, expected FROM diff_overflow
 WHERE native IS DISTINCT FROM expected ORDER BY g LIMIT 10;

-- Beyond 6 places: long decimals where the seed's score / 100.0 itself rounds (its
-- precision depends on the display scale), on each trait, as numbers and as strings,
-- alone and with a second trait.
CREATE TABLE diff_long AS
SELECT k, v, s, m,
       seed_match_or_null(s, NULL, m) AS seed, calculate_personality_product_match(s, NULL, m) AS native
  FROM unnest(ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social']) k,
       unnest(ARRAY['0.04999999999999999999995', '0.0499999999999999999999999995',
                    '0.049999999999999999999999999999999999999999995', '0.05000000000000000000000000000000001',
                    '0.16666666666666666666666666666666666666666667', '0.033333333333333333333333333333333333',
                    '12.34565', '12.345650000000000000000', '99.99995000000000000000000001',
                    '1.00000000000000000000000000000000000000000000000000000000000000000000000001',
                    '0.000016666666666666666666666666666666666666666666666667', '33.33333333333333333333333333333333',
                    '0.1666666666666666666666666666666667']) v,
       unnest(ARRAY[false, true]) as_string,
       unnest(ARRAY[NULL, '{"alignment_score": 0.000250000000000000000000000000000000001}']::jsonb[]) m,
       LATERAL (SELECT (format('{"%s": %s, "%s": 0.15}', k, CASE WHEN as_string THEN '"' || v || '"' ELSE v END,
                                CASE WHEN k = 'creative' THEN 'social' ELSE 'creative' END))::jsonb) x(s);
SELECT count(*) AS long_decimal_inputs, count(seed) AS seed_returned_a_value,
       count(*) FILTER (WHERE seed IS NOT NULL AND seed IS DISTINCT FROM native) AS mismatches
  FROM diff_long;
SELECT s, m, seed, native FROM diff_long
 WHERE seed IS NOT NULL AND seed IS DISTINCT FROM native ORDER BY k, v, s::text, m::text LIMIT 10;

-- Deviation 1: extra keys. The seed raises on any key it does not know (CASE_NOT_FOUND,
-- or 22P02 when the value is not numeric); the native function ignores them, so its
-- result is the one without the extra key, which is the seed's where the seed works.
CREATE TABLE diff_extra AS
SELECT d.g, d.s, d.s || jsonb_build_object(
           (ARRAY['behavioral_consistency', 'behavior_evidence', 'Adventurous', 'adventurous ',
                  'openness', ''])[1 + diff_h(d.g * 8 + 7) % 6],
           (ARRAY['0.7'::jsonb, '12', '"abc"', '[1, 2]', '{"a": 1}', 'null', 'true', '"85"'])[1 + diff_h(d.g * 8 + 7) / 6 % 8])
         AS s_extra,
       d.t, d.m, d.seed, d.native
  FROM diff d
 WHERE d.s IS NOT NULL AND d.g % 5 = 0;
CREATE TABLE diff_extra_results AS
SELECT g, s_extra, t, m, seed, native,
       seed_match_or_null(s_extra, t, m) AS seed_extra,
       calculate_personality_product_match(s_extra, t, m) AS native_extra
  FROM diff_extra;
SELECT count(*) AS inputs_with_an_extra_key,
       count(seed_extra) AS seed_returned_a_value,
       count(*) FILTER (WHERE native_extra IS DISTINCT FROM native) AS native_changed_by_extra_key,
       count(*) FILTER (WHERE seed IS NOT NULL AND native_extra IS DISTINCT FROM seed) AS mismatches_with_seed_without_key
  FROM diff_extra_results;
SELECT seed_sqlstate(s_extra, t, m) AS seed_error, count(*) FROM diff_extra_results GROUP BY 1 ORDER BY 1;
SELECT g, s_extra, m, seed, native, native_extra FROM diff_extra_results
 WHERE native_extra IS DISTINCT FROM native OR (seed IS NOT NULL AND native_extra IS DISTINCT FROM seed)
 ORDER BY g LIMIT 10;

-- Deviation 2: a JSON null trait. The seed's sum becomes NULL and LEAST/GREATEST turn
-- that into 1.0 whatever the other scores; the native function treats it as absent.
CREATE TABLE diff_null AS
SELECT g, s, jsonb_set(s, ARRAY[(ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social'])[1 + g / 7 % 5]],
                       'null') AS s_null,
       t, m, seed, native
  FROM diff WHERE s IS NOT NULL AND g % 7 = 3;
CREATE TABLE diff_null_results AS
SELECT g, s_null, t, m,
       seed_match_or_null(s_null - (SELECT k FROM jsonb_each(s_null) e(k, v) WHERE v = 'null'), t, m) AS seed_without,
       seed_match_or_null(s_null, t, m) AS seed_null,
       calculate_personality_product_match(s_null - (SELECT k FROM jsonb_each(s_null) e(k, v) WHERE v = 'null'), t, m) AS native_without,
       calculate_personality_product_match(s_null, t, m) AS native_null
  FROM diff_null;
SELECT count(*) AS inputs_with_a_null_trait,
       count(*) FILTER (WHERE seed_null = 1) AS seed_returned_1,
       count(*) FILTER (WHERE seed_null IS NULL) AS seed_failed,
       count(*) FILTER (WHERE native_null IS DISTINCT FROM native_without) AS native_not_as_if_absent,
       count(*) FILTER (WHERE seed_without IS NOT NULL AND native_null IS DISTINCT FROM seed_without) AS mismatches_with_seed_without_key
  FROM diff_null_results;
SELECT g, s_null, m, seed_without, native_without, native_null FROM diff_null_results
 WHERE native_null IS DISTINCT FROM native_without
    OR (seed_without IS NOT NULL AND native_null IS DISTINCT FROM seed_without)
 ORDER BY g LIMIT 10;
-- Affinities given as plain numbers take a fast path (src/scoring.rs affinity_fast);
-- the same values written as numeric strings take the general one. Both must agree on
-- every input: the diff inputs with numeric scores (strings there too: then both take
-- the general path for the scores), with product affinities from the gift mappings'
-- shapes (decimals up to 4 places, zeros, out of range, missing traits), repeated
-- objects (the fast path keeps decoded objects by their bytes) and all alignments.
CREATE TABLE diff_aff AS
SELECT g, s, m,
       jsonb_strip_nulls(jsonb_build_object(
         'adventurous', CASE WHEN g % 5 <> 0 THEN round(((hashint8(g * 11 + 1)::bigint % 13000) - 1000) / 10000.0, 4) END,
         'intellectual', CASE WHEN g % 7 <> 0 THEN round((abs(hashint8(g * 11 + 2)::bigint) % 10001) / 10000.0, 4) END,
         'practical', round((abs(hashint8(g % 40)::bigint) % 101) / 100.0, 2),
         'creative', CASE WHEN g % 3 = 0 THEN 0 ELSE 0.14 END,
         'social', CASE WHEN g % 11 = 0 THEN 1.5 END)) AS a
  FROM diff;
CREATE TABLE diff_aff_results AS
SELECT g, s, a, m,
       calculate_personality_product_match(s, a, m) AS native,
       calculate_personality_product_match(s, (SELECT jsonb_object_agg(k, v #>> '{}') FROM jsonb_each(a) e(k, v)), m) AS general
  FROM diff_aff;
SELECT count(*) AS inputs, count(*) FILTER (WHERE native IS DISTINCT FROM general) AS fast_path_mismatches
  FROM diff_aff_results;
SELECT g, s, a, m, native, general FROM diff_aff_results
 WHERE native IS DISTINCT FROM general ORDER BY g LIMIT 10;
ROLLBACK;
