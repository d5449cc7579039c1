-- bench_exact_top(user, k, max_price): the top k products by the combined score of
-- core/src/recommend.rs (module docs), computed exhaustively in SQL over every active
-- product: the reference that bench/recommend.sh compares personality_recommend's
-- threshold algorithm with. No occasion; the weights are the defaults (0.6, 0.25, 0.15)
-- and the gift mappings one per trait (the defaults). Ties are in any order: compare
-- scores, not ids.
CREATE FUNCTION bench_exact_top(p_user uuid, p_k int, p_max_price float8 DEFAULT NULL)
RETURNS TABLE (product_id uuid, combined float8)
LANGUAGE sql STABLE
AS $$
WITH prof AS (
    SELECT p.personality_scores AS js, p.primary_type::text AS primary_type,
           ARRAY(SELECT least(greatest(coalesce((p.personality_scores->>t)::float8, 50) / 100, 0), 1)
                   FROM unnest(ARRAY['adventurous','intellectual','practical','creative','social'])
                        WITH ORDINALITY AS x(t, i) ORDER BY i) AS s
      FROM personality_profiles p WHERE p.user_id = p_user
), maps AS (
    SELECT m.personality_type::text AS t,
           array_position(ARRAY['adventurous','intellectual','practical','creative','social'], m.personality_type::text) AS ti,
           m.recommended_categories AS rc, m.avoided_categories AS ac, m.price_range_modifier AS prm
      FROM personality_gift_mappings m
), avoid AS (
    SELECT DISTINCT unnest(m.ac) AS c FROM maps m, prof WHERE prof.s[m.ti] * 100 >= 60
), cats AS (
    SELECT c.cat,
           (SELECT coalesce(sum(prof.s[m.ti] * CASE
                        WHEN c.cat = ANY (m.ac) THEN 0
                        WHEN array_position(m.rc, c.cat) IS NULL THEN 0
                        ELSE greatest(0.5, 1 - 0.15 * (array_position(m.rc, c.cat) - 1)) END), 0)
              FROM maps m)
           / nullif(prof.s[1] + prof.s[2] + prof.s[3] + prof.s[4] + prof.s[5], 0) AS align
      FROM (SELECT DISTINCT category AS cat FROM personality_product_vectors) c, prof
), sw AS (
    SELECT s.product_id, v.category,
           CASE WHEN lower(s.direction) IN ('right', 'up') THEN 1.0
                WHEN lower(s.direction) = 'left' THEN 0.0 END AS y
      FROM swipes s LEFT JOIN personality_product_vectors v ON v.product_id = s.product_id
     WHERE s.user_id = p_user
), pri AS (
    SELECT (coalesce(sum(y), 0) + 1) / (count(y) + 2) AS p FROM sw
), beh AS (
    SELECT cats.cat, (coalesce(sum(sw.y), 0) + 5 * pri.p) / (count(sw.y) + 5) AS b
      FROM cats CROSS JOIN pri LEFT JOIN sw ON sw.category = cats.cat
     GROUP BY cats.cat, pri.p
), pm AS (
    SELECT (m.prm->>'budget')::float8 AS b0, (m.prm->>'mid')::float8 AS b1, (m.prm->>'premium')::float8 AS b2
      FROM maps m, prof WHERE m.t = prof.primary_type
)
SELECT v.product_id,
       least(1, greatest(0,
         (0.6 * calculate_personality_product_match(prof.js, v.affinities, NULL)::float8
          + 0.25 * coalesce(cats.align, 0) + 0.15 * beh.b)
         * coalesce(CASE v.price_band WHEN 0 THEN pm.b0 WHEN 1 THEN pm.b1 WHEN 2 THEN pm.b2 END, 1))) AS combined
  FROM personality_product_vectors v
  CROSS JOIN prof
  LEFT JOIN pm ON true
  JOIN cats ON cats.cat = v.category
  JOIN beh ON beh.cat = v.category
 WHERE v.is_active
   AND v.category NOT IN (SELECT c FROM avoid)
   AND NOT EXISTS (SELECT 1 FROM sw WHERE sw.product_id = v.product_id)
   AND v.adventurous + v.intellectual + v.practical + v.creative + v.social > 0
   AND (p_max_price IS NULL OR v.price <= p_max_price)
 ORDER BY combined DESC, v.product_id
 LIMIT p_k
$$;

-- bench_check(user, k, max_price): personality_recommend's scores against the exhaustive
-- ones, rank by rank: the largest difference (0 when they agree; tolerance 2e-4 for the
-- 4-decimal rounding and the real-valued shares).
CREATE FUNCTION bench_check(p_user uuid, p_k int, p_max_price float8 DEFAULT NULL)
RETURNS float8
LANGUAGE sql VOLATILE
AS $$
WITH got AS (
    SELECT row_number() OVER (ORDER BY r.combined_score DESC) AS i, r.combined_score::float8 AS s
      FROM personality_recommend(p_user, p_k, 'discover', NULL, p_max_price::numeric) r
), want AS (
    SELECT row_number() OVER (ORDER BY e.combined DESC) AS i, e.combined AS s
      FROM bench_exact_top(p_user, p_k, p_max_price) e
)
SELECT max(abs(coalesce(got.s, -1) - coalesce(want.s, -1)))
  FROM got FULL JOIN want USING (i)
$$;
