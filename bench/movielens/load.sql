-- MovieLens-100K into the host schema and through the extension (bench/movielens/run.sh).
-- Expects ml.items(item, category, tags) and ml.swipes(user, item, direction, rating,
-- ts, seq) loaded from the split, the extension created and the operator's mapping set.
-- Movies become products (main genre -> category slug, genres -> tags, price 10.00,
-- active), people become host profiles, and every swipe is INSERTed into the host's
-- swipes table in time order, so the extension's learning trigger sees each one.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

INSERT INTO categories (id, slug, name)
SELECT ('00000000-0000-4000-b000-' || lpad(row_number() OVER (ORDER BY category)::text, 12, '0'))::uuid,
       category, category
  FROM (SELECT DISTINCT category FROM ml.items) c;

INSERT INTO products (id, name, category_id, tags, price, is_active)
SELECT ('00000000-0000-4000-c000-' || lpad(i.item::text, 12, '0'))::uuid,
       'movie ' || i.item, c.id, string_to_array(i.tags, '|'), 10.00, true
  FROM ml.items i JOIN categories c ON c.slug = i.category
 ORDER BY i.item;

INSERT INTO profiles (id, email, display_name)
SELECT ('00000000-0000-4000-d000-' || lpad(u::text, 12, '0'))::uuid,
       'ml' || u || '@example.com', 'ML person ' || u
  FROM (SELECT DISTINCT "user" AS u FROM ml.swipes) p
 ORDER BY u;

-- The last rating becomes one minute ago; the order of a person's ratings within a
-- second (the split's seq) is kept by a microsecond each.
\timing on
INSERT INTO swipes (user_id, product_id, direction, created_at)
SELECT ('00000000-0000-4000-d000-' || lpad(s."user"::text, 12, '0'))::uuid,
       ('00000000-0000-4000-c000-' || lpad(s.item::text, 12, '0'))::uuid,
       s.direction,
       now() - interval '1 minute'
             - make_interval(secs => (m.max_ts - s.ts)::float8)
             + s.seq * interval '1 microsecond'
  FROM ml.swipes s, (SELECT max(ts) AS max_ts FROM ml.swipes) m
 ORDER BY s.ts, s."user", s.seq;
SELECT personality_refresh_model(true) AS refresh;
\timing off

-- one call of personality_recommend per person, in a loop, timed
CREATE TABLE ml.ranking ("user" int, item int, rank int);
CREATE TABLE ml.latency ("user" int, ms float8);
DO $$
DECLARE
    u int;
    t0 timestamptz;
BEGIN
    FOR u IN SELECT DISTINCT "user" FROM ml.swipes ORDER BY 1 LOOP
        t0 := clock_timestamp();
        INSERT INTO ml.ranking
        SELECT u, right(r.product_id::text, 12)::int, r.ordinality
          FROM personality_recommend(('00000000-0000-4000-d000-' || lpad(u::text, 12, '0'))::uuid, 10)
               WITH ORDINALITY AS r;
        INSERT INTO ml.latency VALUES (u, 1000 * extract(epoch FROM clock_timestamp() - t0));
    END LOOP;
END;
$$;
