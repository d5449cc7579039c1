-- The synthetic population's hidden tastes and the two baselines (bench/quality.sh).
-- Usage: psql -v products=20000 -v like_rate=0.3 -v appeal_noise=0.05 -v train=100 \
--             -v top=10 -f bench/quality_setup.sql
-- (after bench/recommend_catalog.sql, CREATE EXTENSION personality_ext and
-- bench/recommend_users.sql, which gives every member n a hidden true trait vector
-- bench_members.truth summing to 1).
--
-- Appeal of product p to member n: dot(truth_n, shares_p) + appeal_noise * (2u - 1), with
-- shares_p the product's trait shares (personality_product_vectors, summing to 1) and u
-- a hash of (p, n) in [0, 1). A member swipes right when the appeal reaches their
-- threshold: the (1 - like_rate) quantile of their appeal over the whole active
-- catalog, so every member likes a share like_rate of it.

-- Rerunnable with another noise or like rate: everything is rebuilt.
DROP TABLE IF EXISTS quality_threshold, quality_base, quality_results, quality_profiles, quality_train;
DROP FUNCTION IF EXISTS quality_liked(int, uuid);
DROP FUNCTION IF EXISTS quality_appeal(int, float8[], uuid, real, real, real, real, real);

-- (psql does not interpolate variables inside the function body: built with format.)
SELECT format($f$
CREATE FUNCTION quality_appeal(p_n int, p_truth float8[], p_product uuid,
                               a real, i real, p real, c real, s real)
RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT p_truth[1] * a + p_truth[2] * i + p_truth[3] * p + p_truth[4] * c + p_truth[5] * s
       + %s * (2 * ((hashtextextended(p_product::text, p_n) & 4294967295)::float8 / 4294967296.0) - 1)
$$ $f$, :appeal_noise::float8) \gexec

CREATE TABLE quality_threshold AS
SELECT m.n,
       percentile_disc(1 - :like_rate) WITHIN GROUP (
           ORDER BY quality_appeal(m.n, m.truth, v.product_id, v.adventurous, v.intellectual,
                                   v.practical, v.creative, v.social)) AS threshold
  FROM bench_members m CROSS JOIN personality_product_vectors v
 WHERE v.is_active
 GROUP BY m.n;
ALTER TABLE quality_threshold ADD PRIMARY KEY (n);

CREATE FUNCTION quality_liked(p_n int, p_product uuid) RETURNS boolean
LANGUAGE sql STABLE
AS $$
SELECT quality_appeal(m.n, m.truth, v.product_id, v.adventurous, v.intellectual,
                      v.practical, v.creative, v.social) >= t.threshold
  FROM bench_members m
  JOIN quality_threshold t ON t.n = m.n
  JOIN personality_product_vectors v ON v.product_id = p_product
 WHERE m.n = p_n
$$;

-- The share of the whole catalog each member likes (the base rate).
CREATE TABLE quality_base AS
SELECT avg((quality_appeal(m.n, m.truth, v.product_id, v.adventurous, v.intellectual,
                           v.practical, v.creative, v.social) >= t.threshold)::int)::float8 AS rate
  FROM bench_members m
  JOIN quality_threshold t ON t.n = m.n
 CROSS JOIN personality_product_vectors v
 WHERE v.is_active;

-- Every list shown to a member: policy (and settings), stage, rank, product, liked.
CREATE TABLE quality_results (
    label text NOT NULL,
    stage text NOT NULL,
    n int NOT NULL,
    rank int NOT NULL,
    product_id uuid NOT NULL,
    liked boolean
);
-- How close the stored profile is to the truth (cosine of the score vector and truth).
CREATE TABLE quality_profiles (
    label text NOT NULL,
    stage text NOT NULL,
    n int NOT NULL,
    cosine float8
);

-- (a) random picks: :top products per member, drawn by hash.
INSERT INTO quality_results
SELECT 'baseline', 'random', m.n, j,
       md5('bench-product-' || (1 + floor(bench_h(m.n * 1000 + j, 700) * :products)::bigint))::uuid, NULL
  FROM bench_members m CROSS JOIN generate_series(1, :top) j;

-- (b) popularity: every member swipes :train random products (the training set); a
-- member is shown the products most liked by the others (ties: the better smoothed like
-- rate, then id), minus those they swiped in training.
CREATE TABLE quality_train AS
SELECT DISTINCT m.n, md5('bench-product-' || (1 + floor(bench_h(m.n * 1000 + j, 800) * :products)::bigint))::uuid AS product_id
  FROM bench_members m CROSS JOIN generate_series(1, :train) j;
ALTER TABLE quality_train ADD COLUMN liked boolean;
UPDATE quality_train SET liked = quality_liked(n, product_id);
CREATE INDEX ON quality_train (n, product_id);

WITH popular AS (
    SELECT product_id, count(*) FILTER (WHERE liked) AS likes, count(*) AS seen
      FROM quality_train GROUP BY product_id HAVING count(*) FILTER (WHERE liked) > 0
)
INSERT INTO quality_results
SELECT 'baseline', 'popularity', m.n, x.rank, x.product_id, NULL
  FROM bench_members m
 CROSS JOIN LATERAL (
    SELECT p.product_id,
           row_number() OVER (ORDER BY p.likes DESC, (p.likes + 1.0) / (p.seen + 2) DESC, p.product_id) AS rank
      FROM popular p
     WHERE NOT EXISTS (SELECT 1 FROM quality_train t WHERE t.n = m.n AND t.product_id = p.product_id)
     ORDER BY rank LIMIT :top) x;

UPDATE quality_results SET liked = quality_liked(n, product_id) WHERE liked IS NULL;
