-- Smoke queries for an installed package (scripts/package.sh --test): the extension
-- creates on a fresh cluster of the package's major, on a small host app, and its main
-- functions answer. Needs -v expected_major=N -v expected_version=X.Y.Z; each check
-- raises when it does not hold (run with ON_ERROR_STOP).
\set QUIET on
\set products 100
\set users 5
\ir ../fixtures/host_schema.sql
\ir ../fixtures/sample_data.sql
CREATE EXTENSION personality_ext;
SET smoke.major = :'expected_major';
SET smoke.version = :'expected_version';
DO $$
DECLARE
  u uuid := '00000000-0000-4000-d000-000000000001';
  answers jsonb;
  n bigint;
  m numeric;
BEGIN
  IF current_setting('server_version_num')::int / 10000 <> current_setting('smoke.major')::int THEN
    RAISE EXCEPTION 'server is %, package is for %', current_setting('server_version'), current_setting('smoke.major');
  END IF;
  IF (SELECT extversion FROM pg_extension WHERE extname = 'personality_ext') <> current_setting('smoke.version') THEN
    RAISE EXCEPTION 'extension version is not %', current_setting('smoke.version');
  END IF;
  -- the upgrade path from 0.2.0 is installed too
  IF NOT EXISTS (SELECT 1 FROM pg_extension_update_paths('personality_ext')
                  WHERE source = '0.2.0' AND target = current_setting('smoke.version') AND path IS NOT NULL) THEN
    RAISE EXCEPTION 'no update path from 0.2.0';
  END IF;
  SELECT jsonb_object_agg(question_id, options->0->>'value') INTO answers
    FROM personality_quiz_questions WHERE is_active;
  PERFORM personality_assess(u, answers, 120);
  IF NOT EXISTS (SELECT 1 FROM personality_profiles WHERE user_id = u AND primary_type IS NOT NULL) THEN
    RAISE EXCEPTION 'personality_assess wrote no profile';
  END IF;
  INSERT INTO swipes (user_id, product_id, direction)
  SELECT u, id, 'right' FROM products ORDER BY id LIMIT 5;
  IF (SELECT swipes FROM personality_learning WHERE user_id = u) <> 5 THEN
    RAISE EXCEPTION 'swipes were not learnt';
  END IF;
  SELECT calculate_personality_product_match(p.personality_scores,
           personality_product_traits(f.category, f.tags), NULL) INTO m
    FROM personality_profiles p, personality_product_features f
   WHERE p.user_id = u ORDER BY f.product_id LIMIT 1;
  IF m IS NULL OR m < 0 OR m > 1 THEN
    RAISE EXCEPTION 'match score % out of range', m;
  END IF;
  SELECT count(*) INTO n FROM personality_recommend(u, 5);
  IF n <> 5 THEN
    RAISE EXCEPTION 'personality_recommend returned % rows, not 5', n;
  END IF;
END $$;
SELECT format('smoke ok: personality_ext %s on %s', extversion, current_setting('server_version'))
  FROM pg_extension WHERE extname = 'personality_ext';
DROP EXTENSION personality_ext;
