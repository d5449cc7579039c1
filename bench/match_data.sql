-- Data for the match-function benchmark (issue 3). Deterministic: every value comes
-- from hashint8 of generate_series, so every machine gets the same rows.
-- Usage: psql -v profiles=1000000 -v pairs=100000 -v products=10000 -f match_data.sql
--
-- bench_profiles(id, scores): :profiles stored personality_scores. Each trait value is
-- an integer 0..100, a one-decimal 0.0..100.0 or a two-decimal 0.00..100.00 (chosen by
-- the hash); one row in four has only 3 of the 5 traits (two different subsets).
-- "adventurous" is always present: the floor query reads it. Only the five trait keys
-- appear (the seed's function raises CASE_NOT_FOUND on any other key).
--
-- bench_pairs(profile_id, product_id): :pairs (profile, product) pairs spread over the
-- profiles and over the host's :products products, for the recommendation pipeline.

DROP TABLE IF EXISTS bench_profiles, bench_pairs;

CREATE FUNCTION pg_temp.bench_val(g bigint, k int) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE (h / 101) % 3
               WHEN 0 THEN (h % 101)::numeric                  -- integer 0..100
               WHEN 1 THEN round((h % 1001) / 10.0, 1)         -- 0.0..100.0
               ELSE round((h % 10001) / 100.0, 2)              -- 0.00..100.00
           END
      FROM (SELECT hashint8(g * 5 + k)::bigint + 2147483648 AS h) s
$$;

CREATE TABLE bench_profiles (id int PRIMARY KEY, scores jsonb NOT NULL);
INSERT INTO bench_profiles
SELECT g,
       CASE g % 8
           WHEN 0 THEN jsonb_build_object('adventurous', pg_temp.bench_val(g, 1),
                                          'intellectual', pg_temp.bench_val(g, 2),
                                          'practical', pg_temp.bench_val(g, 3))
           WHEN 4 THEN jsonb_build_object('adventurous', pg_temp.bench_val(g, 1),
                                          'creative', pg_temp.bench_val(g, 4),
                                          'social', pg_temp.bench_val(g, 5))
           ELSE jsonb_build_object('adventurous', pg_temp.bench_val(g, 1),
                                   'intellectual', pg_temp.bench_val(g, 2),
                                   'practical', pg_temp.bench_val(g, 3),
                                   'creative', pg_temp.bench_val(g, 4),
                                   'social', pg_temp.bench_val(g, 5))
       END
  FROM generate_series(1, :profiles) g;

CREATE TABLE bench_pairs AS
SELECT i AS pair_id,
       (1 + (i::bigint * 104729) % :profiles)::int AS profile_id,
       ('00000000-0000-4000-c000-' || lpad((1 + (i::bigint * 7919) % :products)::text, 12, '0'))::uuid AS product_id
  FROM generate_series(1, :pairs) i;

VACUUM ANALYZE bench_profiles;
VACUUM ANALYZE bench_pairs;
VACUUM ANALYZE products;
VACUUM ANALYZE categories;
