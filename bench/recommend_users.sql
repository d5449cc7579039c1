-- Deterministic synthetic users who take the quiz (bench/recommend.sh, bench/quality.sh).
-- Usage: psql -v users=200 -v quiz_noise=0.25 -f bench/recommend_users.sql
-- (after bench/recommend_catalog.sql and CREATE EXTENSION personality_ext).
--
-- Every user n has a hidden "true" trait vector (bench_members.truth, order adventurous,
-- intellectual, practical, creative, social; summing to 1): Dirichlet-like,
-- w_t = (-ln u_t)^2 normalised, u_t from a hash of (n, t); squaring the exponential
-- draws makes people peakier than Dirichlet(1). They answer every active quiz question
-- with the option whose trait weights dot their true vector highest after adding
-- uniform noise in [0, quiz_noise) per option, so answers are not perfect
-- (bench_members.quiz_agreement is the share of answers equal to the noiseless best).
-- Then personality_assess(user, answers, 240) stores their profile.

CREATE TABLE bench_members (
    n int PRIMARY KEY,
    id uuid NOT NULL UNIQUE,
    truth float8[] NOT NULL,
    answers jsonb,
    quiz_agreement float8
);

INSERT INTO profiles (id, email, display_name)
SELECT ('00000000-0000-4000-d000-' || lpad(g::text, 12, '0'))::uuid,
       'bench' || g || '@example.com', 'Bench user ' || g
FROM generate_series(1, :users) g
ON CONFLICT (id) DO NOTHING;

INSERT INTO bench_members (n, id, truth)
SELECT g, ('00000000-0000-4000-d000-' || lpad(g::text, 12, '0'))::uuid,
       ARRAY(SELECT w / sum(w) OVER () FROM unnest(raw) WITH ORDINALITY AS r(w, t) ORDER BY t)
FROM generate_series(1, :users) g
CROSS JOIN LATERAL (
    SELECT ARRAY(SELECT power(-ln(greatest(bench_h(g, 100 + t), 1e-12)), 2)
                   FROM generate_series(1, 5) t ORDER BY t) AS raw) x;

-- the dot product of an option's traits and a true vector
CREATE FUNCTION bench_option_fit(traits jsonb, truth float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT coalesce((traits->>'adventurous')::float8, 0) * truth[1]
     + coalesce((traits->>'intellectual')::float8, 0) * truth[2]
     + coalesce((traits->>'practical')::float8, 0) * truth[3]
     + coalesce((traits->>'creative')::float8, 0) * truth[4]
     + coalesce((traits->>'social')::float8, 0) * truth[5]
$$;

\ir recommend_answers.sql

SELECT count(*) AS assessed
  FROM bench_members m, LATERAL personality_assess(m.id, m.answers, 240) p;
