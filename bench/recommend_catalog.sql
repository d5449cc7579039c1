-- A deterministic synthetic catalog for bench/recommend.sh and bench/quality.sh
-- (no random(): the same rows on every machine; variety from hashing).
-- Usage: psql -v products=100000 -f bench/recommend_catalog.sql (after
-- tests/fixtures/host_schema.sql, before CREATE EXTENSION).
--
-- * the ten categories of tests/fixtures/sample_data.sql (read from there), drawn by
--   hash (not g % 10);
-- * 1 to 4 tags per product (duplicates removed) from the 40 trait tags of the default
--   gift mappings and 10 neutral tags, so products of one category have different
--   trait shares;
-- * prices 5..350, median about 100 (about 21% under 25, 28% 25..100, 51% above: the
--   three price bands of personality_product_vectors);
-- * every product active (the benchmark's catalog sizes are active products);
-- * ids md5-derived, so id order is unrelated to category or tags.

-- h(g, salt): a deterministic pseudo-random number in [0, 1).
CREATE OR REPLACE FUNCTION bench_h(g bigint, salt int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT ((hashint8(g * 1000003 + salt)::bigint + 2147483648) / 4294967296.0)::float8 $$;

-- The ten categories: one source, tests/fixtures/sample_data.sql, run with no products
-- and no users (it inserts only the categories then). :products is kept aside meanwhile.
\set catalog_products :products
\set products 0
\set users 0
\ir ../tests/fixtures/sample_data.sql
\set products :catalog_products

WITH tag_pool(tags) AS (
    SELECT ARRAY['outdoor','travel','adventure','camping','hiking','extreme','gadget','active',
                 'books','learning','puzzle','science','history','strategy','documentary','course',
                 'practical','useful','tools','kitchen','organization','durable','everyday','smart-home',
                 'art','craft','diy','music','design','handmade','photography','writing',
                 'party','games','sharing','dining','wine','group','entertaining','friends',
                 'gift','bestseller','eco','vintage','limited','classic','personalized','premium',
                 'new','bundle']
)
INSERT INTO products (id, name, category_id, tags, price, is_active)
SELECT md5('bench-product-' || g)::uuid,
       'Bench product #' || g,
       ('00000000-0000-4000-b000-' || lpad((1 + floor(bench_h(g, 1) * 10))::int::text, 12, '0'))::uuid,
       ARRAY(SELECT DISTINCT tp.tags[1 + floor(bench_h(g, 10 + j) * 50)::int]
               FROM generate_series(1, 1 + floor(bench_h(g, 2) * 4)::int) j),
       round((5 + 345 * power(bench_h(g, 3), 1.8))::numeric, 2),
       true
FROM generate_series(1, :products) g
CROSS JOIN tag_pool tp;
