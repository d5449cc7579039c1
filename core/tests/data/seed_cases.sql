-- Regenerates seed_cases.txt: random inputs scored by the ORIGINAL PL/pgSQL
-- calculate_personality_product_match running in a scratch PostgreSQL (not the extension).
--
--   psql -X -At -q -d scratch -f core/tests/data/seed_cases.sql > /tmp/cases.txt
--
-- then put the header lines of seed_cases.txt back on top. Each output line is
--   entries | alignment | expected | seed-or-overflow
-- entries: key=n:<JSON number text> or key=s:<JSON string>, in jsonb storage order, ';'-separated;
-- alignment: '-' (mappings argument NULL), 'missing' ({}), 'null' ({"alignment_score": null}) or a value;
-- expected: what the seed returned ('seed'), or where it failed with numeric overflow ('overflow')
-- the exact sum clamped to 0..1 and rounded to 4 places (what personality_ext returns instead).
-- Values below 1e15 with more than 28 significant digits are skipped (the scorer rounds them to 28).

CREATE OR REPLACE FUNCTION calculate_personality_product_match(p_personality_scores JSONB, p_product_tags JSONB, p_category_mappings JSONB) RETURNS DECIMAL(5,4) AS $$
DECLARE match_score DECIMAL(5,4) := 0.0; trait_key TEXT; trait_value DECIMAL; category_bonus DECIMAL := 0.0;
BEGIN
  FOR trait_key IN SELECT jsonb_object_keys(p_personality_scores) LOOP
    trait_value := (p_personality_scores->>trait_key)::DECIMAL / 100.0;
    CASE trait_key
      WHEN 'adventurous' THEN match_score := match_score + (trait_value * 0.3);
      WHEN 'intellectual' THEN match_score := match_score + (trait_value * 0.25);
      WHEN 'practical' THEN match_score := match_score + (trait_value * 0.2);
      WHEN 'creative' THEN match_score := match_score + (trait_value * 0.15);
      WHEN 'social' THEN match_score := match_score + (trait_value * 0.1);
    END CASE;
  END LOOP;
  IF p_category_mappings IS NOT NULL THEN
    category_bonus := COALESCE((p_category_mappings->>'alignment_score')::DECIMAL, 0.0);
    match_score := match_score + (category_bonus * 0.2);
  END IF;
  RETURN GREATEST(0.0, LEAST(1.0, match_score));
END; $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION pg_temp.rnd_digits(n int) RETURNS text LANGUAGE sql AS $$
  SELECT string_agg(floor(random()*10)::int::text, '') FROM generate_series(1, greatest(n,1)) $$;

-- Numeric text of many shapes; `kinds` picks which.
CREATE OR REPLACE FUNCTION pg_temp.rnd_number(kinds int[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE k int := kinds[1 + floor(random()*array_length(kinds, 1))::int];
BEGIN
  CASE k
   WHEN 0 THEN RETURN floor(random()*101)::int::text;
   WHEN 1 THEN RETURN round((random()*140-20)::numeric, 1+floor(random()*6)::int)::text;
   WHEN 2 THEN RETURN floor(random()*100)::int::text || '.' || pg_temp.rnd_digits(10+floor(random()*16)::int);
   WHEN 3 THEN RETURN floor(random()*3000)::int::text || '.' || pg_temp.rnd_digits(12+floor(random()*10)::int);
   WHEN 4 THEN RETURN round((random()*0.2)::numeric, 2 + floor(random()*3)::int)::text;
   WHEN 5 THEN RETURN round((3000 + random()*400)::numeric, floor(random()*3)::int)::text;
   WHEN 6 THEN RETURN round((-random()*300)::numeric, floor(random()*4)::int)::text;
   WHEN 7 THEN RETURN (CASE WHEN random()<0.5 THEN '-' ELSE '' END) || (10::numeric ^ (3+floor(random()*25)::int))::numeric(60,0)::text;
   WHEN 8 THEN RETURN round((random()*100)::numeric, 2)::text || repeat('0', floor(random()*22)::int);
   ELSE RETURN '0.' || repeat('0', floor(random()*6)::int) || pg_temp.rnd_digits(1 + floor(random()*24)::int);
  END CASE;
END $$;

-- A JSON number, or a string holding numeric text in some spelling.
CREATE OR REPLACE FUNCTION pg_temp.rnd_json(kinds int[]) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE t text := pg_temp.rnd_number(kinds); r float8 := random(); k int;
BEGIN
  IF r < 0.8 THEN RETURN to_jsonb(t::numeric); END IF;
  IF r < 0.87 THEN RETURN to_jsonb(' ' || t || E'\t'); END IF;
  IF r < 0.94 AND length(t) < 40 THEN
    k := floor(random()*5)::int;
    RETURN to_jsonb(((t::numeric) * (10::numeric ^ k))::text || 'e-' || k);
  END IF;
  RETURN to_jsonb(t);
END $$;

-- A score whose score / 100.0 lies next to (or, after numeric_div's rounding, on) a
-- rounding tie of trait_value * w; `near100` puts it in [100, 101), where the first
-- base-10000 digit equals the divisor's.
CREATE OR REPLACE FUNCTION pg_temp.tie_value(w numeric, near100 bool) RETURNS text LANGUAGE plpgsql AS $$
DECLARE h numeric; tv numeric; d int; sgn int := CASE WHEN random() < 0.25 THEN -1 ELSE 1 END;
BEGIN
  LOOP
    IF near100 THEN
      h := (floor(w * 10000 + random() * w * 100) + 0.5) * 0.0001;
    ELSE
      h := (floor(random()*3000) + 0.5) * 0.0001;
    END IF;
    tv := round(h / w, 30);
    EXIT WHEN tv * w = h AND (NOT near100 OR (tv >= 1 AND tv < 1.01));
  END LOOP;
  d := CASE WHEN near100 THEN 15 + floor(random()*6)::int ELSE 19 + floor(random()*9)::int END;
  RETURN (sgn * (round(tv * 100, d) + (floor(random()*99) - 49)::int * ('1e-' || d)::numeric))::text
    || CASE WHEN random() < 0.3 THEN repeat('0', 1 + floor(random()*3)::int) ELSE '' END;
END $$;

CREATE OR REPLACE FUNCTION pg_temp.safe_seed(s jsonb, m jsonb) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  RETURN calculate_personality_product_match(s, NULL, m)::numeric(5,4)::text;
EXCEPTION WHEN numeric_value_out_of_range THEN RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION pg_temp.enc(v jsonb) RETURNS text LANGUAGE sql AS $$
  SELECT CASE jsonb_typeof(v) WHEN 'number' THEN 'n:' ELSE 's:' END || (v #>> '{}') $$;

CREATE OR REPLACE FUNCTION pg_temp.too_long(v jsonb) RETURNS bool LANGUAGE sql AS $$
  SELECT abs((v #>> '{}')::numeric) < 1e15 AND length(rtrim(ltrim(replace(
    regexp_replace(trim(E' \t' FROM v #>> '{}'), '^[+-]|[eE].*$', '', 'g'), '.', ''), '0'), '0')) > 28 $$;

CREATE TEMP TABLE weights(k text, w numeric);
INSERT INTO weights VALUES ('adventurous', 0.3), ('intellectual', 0.25), ('practical', 0.2), ('creative', 0.15), ('social', 0.1);

CREATE TEMP TABLE cases(g serial, s jsonb, m jsonb);
-- 1. all shapes, including overflowing ones
INSERT INTO cases(s, m)
SELECT coalesce((SELECT jsonb_object_agg(k, pg_temp.rnd_json('{0,1,2,3,4,5,6,7,8,9}')) FROM weights WHERE random() < 0.75 + 0*g), '{}'),
  CASE floor(random()*8)::int
    WHEN 0 THEN NULL WHEN 1 THEN '{}'::jsonb WHEN 2 THEN '{"alignment_score": null}'::jsonb
    WHEN 3 THEN jsonb_build_object('alignment_score', round((random()*2-0.5)::numeric, floor(random()*5)::int))
    WHEN 4 THEN jsonb_build_object('alignment_score', pg_temp.rnd_json('{0,1,2,3,4,5,6,7,8,9}'))
    ELSE jsonb_build_object('alignment_score', round(random()::numeric, 2)) END
FROM generate_series(1, 600) g;
-- 2. mostly in-range shapes, so that results fall inside 0..1
INSERT INTO cases(s, m)
SELECT coalesce((SELECT jsonb_object_agg(k, pg_temp.rnd_json('{0,0,1,1,2,4,4,8,9}')) FROM weights WHERE random() < 0.75 + 0*g), '{}'),
  CASE WHEN random() < 0.4 THEN NULL ELSE jsonb_build_object('alignment_score', round(random()::numeric, 2)) END
FROM generate_series(1, 1400) g;
-- 3. rounding ties decided by numeric_div's result scale
INSERT INTO cases(s, m)
SELECT (SELECT jsonb_object_agg(k, CASE WHEN k = target THEN to_jsonb(pg_temp.tie_value(w, near100)::numeric)
                                         ELSE to_jsonb(floor(random()*101)::int) END)
        FROM weights WHERE k = target OR random() < 0.3),
  CASE WHEN random() < 0.5 THEN NULL ELSE jsonb_build_object('alignment_score', round(random()::numeric, 2)) END
FROM (SELECT g, g > 400 AS near100, (SELECT k FROM weights ORDER BY random() + 0*g LIMIT 1) AS target
      FROM generate_series(1, 520) g) x;

SELECT coalesce((SELECT string_agg(key || '=' || pg_temp.enc(value), ';' ORDER BY ord)
                   FROM jsonb_each(s) WITH ORDINALITY AS e(key, value, ord)), '')
  || '|' || CASE WHEN m IS NULL THEN '-' WHEN NOT m ? 'alignment_score' THEN 'missing'
                 WHEN m->'alignment_score' = 'null' THEN 'null' ELSE pg_temp.enc(m->'alignment_score') END
  || '|' || coalesce(pg_temp.safe_seed(s, m) || '|seed',
       greatest(0, least(1, round(
         coalesce((SELECT sum((e.value #>> '{}')::numeric * (weights.w * 0.01)) FROM jsonb_each(s) e JOIN weights ON weights.k = e.key), 0)
         + coalesce((m->>'alignment_score')::numeric * 0.2, 0), 4)))::numeric(5,4)::text || '|overflow')
FROM cases
WHERE NOT EXISTS (SELECT 1 FROM jsonb_each(s) e WHERE pg_temp.too_long(e.value))
  AND NOT (m IS NOT NULL AND m ? 'alignment_score' AND m->'alignment_score' <> 'null' AND pg_temp.too_long(m->'alignment_score'))
ORDER BY g;
