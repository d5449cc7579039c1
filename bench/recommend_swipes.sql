-- Swipes for bench/recommend.sh: every :every-th user of bench_members swipes :swipes
-- products drawn by hash from the catalog of bench/recommend_catalog.sql (:products
-- products), right when the product's trait shares dot their true vector to 0.3 or
-- more, else left. The native trigger learns from each swipe.
-- Usage: psql -v every=5 -v swipes=20 -v products=100000 -f bench/recommend_swipes.sql
INSERT INTO swipes (user_id, product_id, direction)
SELECT m.id, v.product_id,
       CASE WHEN v.adventurous * m.truth[1] + v.intellectual * m.truth[2] + v.practical * m.truth[3]
                 + v.creative * m.truth[4] + v.social * m.truth[5] >= 0.3 THEN 'right' ELSE 'left' END
  FROM bench_members m
 CROSS JOIN generate_series(1, :swipes) j
  JOIN personality_product_vectors v
    ON v.product_id = md5('bench-product-' || (1 + floor(bench_h(m.n * 100 + j, 900) * :products)::bigint))::uuid
 WHERE m.n % :every = 0
 ORDER BY m.n, j;
