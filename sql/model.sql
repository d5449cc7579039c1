-- The collaborative side of the recommender (README "How recommendations are made",
-- docs/recommender-evaluation.md): per-product statistics and top-K neighbours from
-- co-likes, refreshed in batches by personality_refresh_model() (pg_cron), never per
-- swipe: a popular product is written once per refresh, not by every swipe.
--
-- All three tables are derived from the swipe tables and are not dumped: after a
-- restore the first refresh rebuilds them from the swipes.

CREATE TABLE personality_item_stats (
    product_id uuid PRIMARY KEY,
    likes float8 NOT NULL DEFAULT 0,
    dislikes float8 NOT NULL DEFAULT 0,
    neutral float8 NOT NULL DEFAULT 0,
    -- likes weighted 0.5^(age / 90 days) as of "at"
    decayed_likes float8 NOT NULL DEFAULT 0,
    at timestamptz NOT NULL,
    -- likes by people whose trait score was >= 60 at the refresh, per trait
    -- (adventurous, intellectual, practical, creative, social)
    side_likes real[] NOT NULL DEFAULT '{0,0,0,0,0}'
);
COMMENT ON TABLE personality_item_stats IS
  'Derived: per product, the people who like it (right/up), dislike it (left) or are neutral, by their latest swipe of it (a person''s repeated swipes count once), the 90-day half-life decayed mass of those likes as of "at", and the likers on the high side (>= 60) of each trait; recomputed by personality_refresh_model() for the products with new swipes. Read by personality_recommend, which uses a count only from personality.min_people people up.';
ALTER TABLE personality_item_stats ENABLE ROW LEVEL SECURITY;

CREATE TABLE personality_item_neighbours (
    product_id uuid PRIMARY KEY,
    -- best first; sims = co-like cosine, cos = people who liked both
    neighbour_ids uuid[] NOT NULL,
    sims real[] NOT NULL,
    cos real[] NOT NULL,
    refreshed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE personality_item_neighbours IS
  'Derived: per product, its top-K most similar products by co-likes (cosine, each person weighted 1/their likes, their 500 most recent likes), best first; rewritten by personality_refresh_model() where they changed. Read by personality_recommend and personality_similar_products.';
ALTER TABLE personality_item_neighbours ENABLE ROW LEVEL SECURITY;
-- A row (100 neighbours: about 2.5 kB) stays in its page, never compressed: random ids
-- do not compress, and trying cost a fifth of the refresh.
ALTER TABLE personality_item_neighbours SET (toast_tuple_target = 8160);

CREATE TABLE personality_model_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    refreshed_at timestamptz,
    -- swipes created before this are in the model (the high-water mark of the refresh)
    swipes_until timestamptz,
    refresh_ms float8,
    swipes_read bigint NOT NULL DEFAULT 0,
    rows_refreshed bigint NOT NULL DEFAULT 0,
    -- catalog numbers of the item-level score: likes / (likes + dislikes), and
    -- ln(1 + the largest decayed like mass) as of stats_at
    like_rate float8 NOT NULL DEFAULT 0.5,
    log_max_decayed float8 NOT NULL DEFAULT 0,
    stats_at timestamptz,
    -- the products with the best item-level score, best first (candidates for everyone)
    popular_ids uuid[] NOT NULL DEFAULT '{}',
    -- swipes the last refresh skipped (no time, an infinite one, far in the future) and
    -- attached swipe tables it could not read (personality_health)
    rows_skipped bigint NOT NULL DEFAULT 0,
    tables_unread integer NOT NULL DEFAULT 0,
    -- personality_model_people holds the opinions as of this mark (an incremental
    -- refresh starts from them only when it equals swipes_until)
    people_until timestamptz
);
COMMENT ON TABLE personality_model_state IS
  'Derived: one row, the state of personality_refresh_model(): when it last ran, how long it took, what it read, skipped (rows_skipped) and could not read (tables_unread), and the catalog-level numbers and popular products (liked by personality.min_people people at least) personality_recommend reads. The refresh locks this row FOR UPDATE: one refresh at a time.';
ALTER TABLE personality_model_state ENABLE ROW LEVEL SECURITY;

CREATE TABLE personality_model_sources (
    swipe_table oid PRIMARY KEY,
    -- this table's swipes created before this are in personality_item_stats ...
    swipes_until timestamptz NOT NULL,
    -- ... and there were this many: a different count later (swipes inserted with an
    -- older created_at, or deleted) makes the next refresh a full rebuild
    swipes_counted bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE personality_model_sources IS
  'Derived: per swipe table the extension learns from (personality_swipe_tables), the high-water mark of its swipes already merged into personality_item_stats and how many swipes were below it.';
ALTER TABLE personality_model_sources ENABLE ROW LEVEL SECURITY;

CREATE TABLE personality_model_people (
    user_id uuid PRIMARY KEY,
    -- their current opinion of each product they swiped (their latest swipe of it):
    -- product id, direction, time, row; encoded by personality_core (opinions.rs)
    opinions bytea NOT NULL
);
COMMENT ON TABLE personality_model_people IS
  'Derived: per person who swiped, their current opinion of each product they swiped (their latest swipe of it), as the last personality_refresh_model() left them, so that the next refresh reads only the swipes since. Internal encoding; erased with the person''s profile (personality_profiles_erase), rebuilt from the swipe tables by a full refresh.';
ALTER TABLE personality_model_people ENABLE ROW LEVEL SECURITY;
-- opaque, already compact: stored out of line, never compressed
ALTER TABLE personality_model_people ALTER COLUMN opinions SET STORAGE EXTERNAL;

-- Per-connection copies (src/derived.rs): personality_recommend keeps product vectors,
-- item stats, neighbour lists and product groups between calls. Every statement that
-- writes one of these tables sends an invalidation, which ends the copies in every
-- connection when it commits (personality_vector_groups is written only by the
-- triggers of personality_product_vectors).
CREATE FUNCTION _personality_derived_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID NOT IN ('@extschema@.personality_product_vectors'::regclass,
                        '@extschema@.personality_item_stats'::regclass,
                        '@extschema@.personality_item_neighbours'::regclass) THEN
        RAISE EXCEPTION 'personality_ext: % fires only on the tables personality_recommend copies', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM @extschema@._personality_invalidate_copies(TG_RELID);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_derived_changed() IS
  'Internal trigger function: after a statement writes personality_product_vectors, personality_item_stats or personality_item_neighbours, ends every connection''s copies of them (at commit).';
COMMENT ON FUNCTION _personality_invalidate_copies(oid) IS
  'Internal: sends a relcache invalidation for one of the tables personality_recommend copies per connection (personality.cache_mb), so that every connection drops its copies when the transaction commits.';
CREATE TRIGGER personality_product_vectors_copies AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON personality_product_vectors FOR EACH STATEMENT EXECUTE FUNCTION _personality_derived_changed();
CREATE TRIGGER personality_item_stats_copies AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON personality_item_stats FOR EACH STATEMENT EXECUTE FUNCTION _personality_derived_changed();
CREATE TRIGGER personality_item_neighbours_copies AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON personality_item_neighbours FOR EACH STATEMENT EXECUTE FUNCTION _personality_derived_changed();
COMMENT ON TRIGGER personality_product_vectors_copies ON personality_product_vectors IS
  'Ends the per-connection copies personality_recommend keeps (personality.cache_mb).';
COMMENT ON TRIGGER personality_item_stats_copies ON personality_item_stats IS
  'Ends the per-connection copies personality_recommend keeps (personality.cache_mb).';
COMMENT ON TRIGGER personality_item_neighbours_copies ON personality_item_neighbours IS
  'Ends the per-connection copies personality_recommend keeps (personality.cache_mb).';

COMMENT ON FUNCTION _personality_decay(timestamptz, timestamptz, float8) IS
  'Internal: 0.5^(age / half-life) of a time at another (personality_core''s decay of the item stats'' like mass, the exponent capped at 1000 half-lives), for the refresh''s catalog numbers.';
COMMENT ON FUNCTION _personality_model_constant(text) IS
  'Internal: a constant of the collaborative model as personality_core defines it (half_life_seconds, neighbours_per_product, likes_per_person, products_per_pass, rate_prior, side_score, min_people), for SQL that needs one; 22023 for another name.';
COMMENT ON FUNCTION _personality_min_people() IS
  'Internal: personality.min_people (superuser only, default 3), read through the library: the distinct people an aggregate about others needs before the refresh, personality_recommend or personality_similar_products show or use it.';

-- The refresh itself, without the caller check: native (src/model/, computed by
-- personality_core::collab).
--
-- Locks (SECURITY.md): the row of personality_model_state FOR UPDATE (one refresh at a
-- time: a second waits for the first; no app role can take it, none has UPDATE on the
-- table), ACCESS SHARE on each attached swipe table it reads, ROW EXCLUSIVE on
-- personality_item_stats, personality_item_neighbours, personality_model_people and
-- personality_model_sources (DELETE and INSERT, never TRUNCATE: recommendations keep
-- reading the previous model until the refresh commits). No advisory lock, no
-- temporary table. A timestamp (without time zone) time column is read as UTC.
ALTER FUNCTION _personality_refresh_model(boolean) SET TimeZone = 'UTC';
COMMENT ON FUNCTION _personality_refresh_model(boolean) IS
  'Internal: personality_refresh_model without the caller check.';

CREATE FUNCTION personality_refresh_model(p_full boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_out jsonb;
    v_ranker jsonb;
    v_why text;
BEGIN
    PERFORM @extschema@._personality_require_trusted('refresh the recommendation model');
    IF p_full IS NULL THEN
        RAISE EXCEPTION 'p_full must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    v_out := @extschema@._personality_refresh_model(p_full);
    -- the ranker's weights learnt from the same swipes (issue 23; src/ranker.rs): on a
    -- full refresh, and otherwise at most once an hour (the worker refreshes every
    -- 30 s; training costs about a full neighbour build over the past). A failure
    -- keeps the previous weights and never undoes the refresh (a cancel still
    -- cancels: OTHERS does not catch it).
    IF p_full OR NOT EXISTS (
           SELECT 1 FROM @extschema@.personality_ranker_state s
            WHERE s.id
              AND s.learnt_at OPERATOR(pg_catalog.>) (pg_catalog.now() OPERATOR(pg_catalog.-) '1 hour'::pg_catalog.interval)) THEN
        BEGIN
            v_ranker := @extschema@._personality_learn_ranker();
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS v_why = MESSAGE_TEXT;
            RAISE WARNING 'personality_ext: the ranker kept its previous weights: %', v_why;
            v_ranker := pg_catalog.jsonb_build_object('error', v_why);
        END;
    ELSE
        v_ranker := pg_catalog.jsonb_build_object('skipped', 'learnt less than an hour ago');
    END IF;
    RETURN v_out OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('ranker', v_ranker);
END;
$$;
COMMENT ON FUNCTION personality_refresh_model(boolean) IS
  'Refreshes the collaborative model of personality_recommend from every attached swipe table, dated by its time column (personality_swipe_tables.time_column; a table without one is read whole when its row count changes, dated at the refresh), natively (personality_core): reads only the swipes since the last refresh and folds them into each person''s opinions (their latest swipe of each product, kept in personality_model_people), recomputes personality_item_stats (distinct people) for the products with new swipes and the top-100 neighbour lists (personality_item_neighbours) that can have changed, and writes those that did; p_full => true, a first refresh, or swipes added below the last mark or deleted recompute everything from the swipes (and still write only the rows that differ from the stored model). Swipes with no time, an infinite one or one more than a day ahead are skipped with a WARNING naming them; a table it cannot read gets a WARNING. Memory is bounded by personality.refresh_memory_mb (53200 past it; the previous model stays). One refresh at a time (a second waits); recommendations read the previous model until it commits. Returns what it did as jsonb (full, swipes_read, rows_refreshed, stats_refreshed, people_refreshed, products_with_neighbours, swipes_until, lag_ms, rows_skipped, tables_unread, tables_untimed, steps_ms, ms, and ranker: the training of the ranker''s weights on a full refresh or at most hourly, personality_ranker). Schedule it, e.g. every 10 minutes with pg_cron: SELECT cron.schedule(''personality-model'', ''*/10 * * * *'', ''SELECT personality_refresh_model()''), or let the background worker run it (personality.refresh_database). For service_role, the owner and superusers (42501 otherwise).';

-- personality_similar_products(): the seed's 'similar' context.
CREATE FUNCTION personality_similar_products(
    p_product_id uuid,
    p_limit int DEFAULT 10,
    p_max_price numeric DEFAULT NULL,
    p_occasion text DEFAULT NULL
) RETURNS TABLE (product_id uuid, similarity real, reasons jsonb)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_category text;
    v_group bigint;
    v_band smallint;
    v_occasion text := pg_catalog.lower(pg_catalog.btrim(p_occasion));
    -- an aggregate about other people needs this many of them (issue 20 point 3)
    v_min real := @extschema@._personality_min_people()::pg_catalog.float4;
BEGIN
    -- every operator, function and type below is schema-qualified (issue 11)
    IF v_occasion OPERATOR(pg_catalog.=) '' THEN
        v_occasion := NULL;
    END IF;
    IF p_product_id IS NULL THEN
        RAISE EXCEPTION 'product id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_limit IS NULL OR p_limit OPERATOR(pg_catalog.<) 1 OR p_limit OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION 'limit must be between 1 and 1000, got %', coalesce(p_limit::pg_catalog.text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_max_price IS NOT NULL
       AND (p_max_price OPERATOR(pg_catalog.=) ANY ('{NaN,Infinity,-Infinity}'::pg_catalog.numeric[])
            OR p_max_price OPERATOR(pg_catalog.<) 0) THEN
        RAISE EXCEPTION 'maximum price must be a finite number >= 0, got %', p_max_price
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass NULL for no price limit.';
    END IF;
    SELECT v.category, v.group_id, v.price_band INTO v_category, v_group, v_band
      FROM @extschema@.personality_product_vectors v WHERE v.product_id OPERATOR(pg_catalog.=) p_product_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'product % is not in the catalog', p_product_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'Products get a vector when the products table is attached: SELECT personality_attach_catalog();';
    END IF;
    RETURN QUERY
    WITH occ_rel AS (
        -- each mapping's relevance of the occasion (NULL: no occasion given)
        SELECT m.personality_type::pg_catalog.text AS t,
               CASE WHEN pg_catalog.jsonb_typeof(m.occasion_relevance OPERATOR(pg_catalog.->) v_occasion)
                         OPERATOR(pg_catalog.=) 'number'
                    THEN (m.occasion_relevance OPERATOR(pg_catalog.->>) v_occasion)::pg_catalog.float8 END AS rel
          FROM @extschema@.personality_gift_mappings m
         WHERE v_occasion IS NOT NULL
    ),
    occ AS (
        -- per trait, the best mapping's relevance
        SELECT pg_catalog.max(r.rel) FILTER (WHERE r.t OPERATOR(pg_catalog.=) 'adventurous') AS a,
               pg_catalog.max(r.rel) FILTER (WHERE r.t OPERATOR(pg_catalog.=) 'intellectual') AS i,
               pg_catalog.max(r.rel) FILTER (WHERE r.t OPERATOR(pg_catalog.=) 'practical') AS p,
               pg_catalog.max(r.rel) FILTER (WHERE r.t OPERATOR(pg_catalog.=) 'creative') AS c,
               pg_catalog.max(r.rel) FILTER (WHERE r.t OPERATOR(pg_catalog.=) 'social') AS s
          FROM occ_rel r
    ),
    -- 1. neighbours by co-likes (best first), each pair liked by personality.min_people
    -- people at least: fewer would show one person's likes
    nb AS (
        SELECT u.id, u.sim, u.co, u.ord
          FROM @extschema@.personality_item_neighbours n
         CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(n.neighbour_ids), pg_catalog.unnest(n.sims),
                                       pg_catalog.unnest(n.cos)) WITH ORDINALITY AS u(id, sim, co, ord)
         WHERE n.product_id OPERATOR(pg_catalog.=) p_product_id
           AND u.co OPERATOR(pg_catalog.>=) v_min
    ),
    -- 2. content: the same trait profile (group), then the same category and price band
    content AS (
        (SELECT v.product_id AS id, 1 AS tier FROM @extschema@.personality_product_vectors v
          WHERE v.group_id OPERATOR(pg_catalog.=) v_group AND v.is_active
            AND v.product_id OPERATOR(pg_catalog.<>) p_product_id
          ORDER BY v.product_id LIMIT 500)
        UNION ALL
        (SELECT v.product_id, 2 FROM @extschema@.personality_product_vectors v
          WHERE v.category OPERATOR(pg_catalog.=) v_category AND v.price_band OPERATOR(pg_catalog.=) v_band
            AND v.is_active AND v.group_id OPERATOR(pg_catalog.<>) v_group
            AND v.product_id OPERATOR(pg_catalog.<>) p_product_id
          ORDER BY v.adventurous DESC, v.product_id LIMIT 500)
    ),
    cand AS (
        SELECT nb.id, nb.sim::pg_catalog.float8 AS score, nb.sim, nb.co, 0 AS tier FROM nb
        UNION ALL
        SELECT c.id, NULL, NULL, NULL, c.tier FROM content c
         WHERE NOT EXISTS (SELECT 1 FROM nb WHERE nb.id OPERATOR(pg_catalog.=) c.id)
    ),
    scored AS (
        SELECT c.id, c.sim, c.co, c.tier, v.category, v.price,
               CASE WHEN v_occasion IS NULL THEN 1.0
                    ELSE (v.adventurous OPERATOR(pg_catalog.*) coalesce(o.a, 0.5))
                         OPERATOR(pg_catalog.+) (v.intellectual OPERATOR(pg_catalog.*) coalesce(o.i, 0.5))
                         OPERATOR(pg_catalog.+) (v.practical OPERATOR(pg_catalog.*) coalesce(o.p, 0.5))
                         OPERATOR(pg_catalog.+) (v.creative OPERATOR(pg_catalog.*) coalesce(o.c, 0.5))
                         OPERATOR(pg_catalog.+) (v.social OPERATOR(pg_catalog.*) coalesce(o.s, 0.5)) END AS occ_fit,
               st.likes,
               (st.likes OPERATOR(pg_catalog.+) 1)
                 OPERATOR(pg_catalog./) (st.likes OPERATOR(pg_catalog.+) st.dislikes OPERATOR(pg_catalog.+) 2) AS rate
          FROM cand c
          JOIN @extschema@.personality_product_vectors v ON v.product_id OPERATOR(pg_catalog.=) c.id AND v.is_active
          -- people who like or dislike it, counted only from personality.min_people up
          LEFT JOIN LATERAL (
              SELECT CASE WHEN x.likes OPERATOR(pg_catalog.>=) v_min THEN x.likes ELSE 0 END AS likes,
                     CASE WHEN x.dislikes OPERATOR(pg_catalog.>=) v_min THEN x.dislikes ELSE 0 END AS dislikes
                FROM (SELECT coalesce(pg_catalog.max(s2.likes), 0::pg_catalog.float8) AS likes,
                             coalesce(pg_catalog.max(s2.dislikes), 0::pg_catalog.float8) AS dislikes
                        FROM @extschema@.personality_item_stats s2
                       WHERE s2.product_id OPERATOR(pg_catalog.=) c.id) x) st ON true
          LEFT JOIN occ o ON true
         WHERE (p_max_price IS NULL OR v.price OPERATOR(pg_catalog.<=) p_max_price)
    ),
    vis AS (
        -- the host's row-level security on products: only what the caller may SELECT
        -- (NULL: nothing is hidden from them)
        SELECT @extschema@._personality_visible_products(ARRAY(SELECT sc.id FROM scored sc)) AS ids
    )
    SELECT s.id,
           (CASE WHEN s.tier OPERATOR(pg_catalog.=) 0 THEN s.sim ELSE 0 END)::pg_catalog.float4,
           pg_catalog.to_jsonb(pg_catalog.array_remove(ARRAY[
               CASE WHEN s.tier OPERATOR(pg_catalog.=) 0 AND s.co OPERATOR(pg_catalog.>=) 3
                    THEN pg_catalog.format('liked by %s people who also liked this', s.co::pg_catalog.int4)
                    WHEN s.tier OPERATOR(pg_catalog.=) 0 THEN 'liked by people who also liked this' END,
               CASE WHEN s.tier OPERATOR(pg_catalog.=) 1 THEN 'same category, price band and personality profile'
                    WHEN s.tier OPERATOR(pg_catalog.=) 2 THEN 'same category and price band'
                    WHEN s.category OPERATOR(pg_catalog.=) v_category AND s.category OPERATOR(pg_catalog.<>) ''
                    THEN pg_catalog.format('also in %s', s.category) END,
               CASE WHEN v_occasion IS NOT NULL AND s.occ_fit OPERATOR(pg_catalog.>=) 0.7
                    THEN pg_catalog.format('a good fit for %s', pg_catalog.replace(v_occasion, '_', ' ')) END,
               CASE WHEN p_max_price IS NOT NULL AND s.price IS NOT NULL
                    THEN pg_catalog.format('within your budget (%s of %s)', pg_catalog.to_char(s.price, 'FM999999990.00'),
                                           pg_catalog.to_char(p_max_price, 'FM999999990.00')) END
           ]::pg_catalog.text[], NULL::pg_catalog.text))
      FROM scored s
     CROSS JOIN vis
     WHERE (v_occasion IS NULL OR s.occ_fit OPERATOR(pg_catalog.>) 0)
       AND (vis.ids IS NULL OR s.id OPERATOR(pg_catalog.=) ANY (vis.ids))
     ORDER BY s.tier,
              coalesce(s.sim, 0) OPERATOR(pg_catalog.*)
                (CASE WHEN v_occasion IS NULL THEN 1
                      ELSE 0.5 OPERATOR(pg_catalog.+) (0.5 OPERATOR(pg_catalog.*) s.occ_fit) END) DESC,
              s.rate DESC, s.likes DESC, s.id
     LIMIT p_limit;
END;
$$;
COMMENT ON FUNCTION personality_similar_products(uuid, int, numeric, text) IS
  'Products similar to p_product_id (the seed''s ''similar'' context): first its stored neighbours by co-likes (personality_refresh_model) liked together by at least personality.min_people people, best similarity first, then products with the same category, price band and personality profile, then the same category and price band; only active products, under p_max_price when given; with an occasion, products whose traits do not fit it are dropped and the rest ranked by fit too. Each row says why (reasons). When the host''s products table has row-level security, only products the caller may SELECT are returned. 22023 for a bad limit or price, P0002 for a product without a vector.';

-- What production sees of the recommendations (the seed's KPI: right-swipe rate of
-- shown recommendations > 75 %), per day, context and engine.
CREATE VIEW personality_kpis AS
-- every operator and function with an exact match in pg_catalog (a planted public
-- operator for varchar or numeric/bigint must not bind here during an upgrade).
-- Verified columns count only what the extension wrote: rows it generated (day,
-- context and engine are columns users cannot update) and swipes the swipe trigger
-- recorded (personality_recommendation_swipes) since the row was last generated.
-- The reported_* columns count the seed's interaction columns, which each user may
-- set on their own rows.
SELECT (r.generated_at AT TIME ZONE 'UTC'::pg_catalog.text)::pg_catalog.date AS day,
       r.recommendation_context::pg_catalog.text AS context,
       r.algorithm_version::pg_catalog.text AS engine,
       pg_catalog.count(*) AS recommended,
       pg_catalog.count(w.user_id) AS swiped,
       pg_catalog.count(w.user_id) FILTER (
           WHERE w.direction OPERATOR(pg_catalog.=) ANY (ARRAY['right', 'up']::pg_catalog.text[])) AS right_swiped,
       pg_catalog.round(
           pg_catalog.count(w.user_id) FILTER (
               WHERE w.direction OPERATOR(pg_catalog.=) ANY (ARRAY['right', 'up']::pg_catalog.text[]))::pg_catalog.numeric
           OPERATOR(pg_catalog./) nullif(pg_catalog.count(w.user_id)::pg_catalog.numeric, 0::pg_catalog.numeric),
           4::pg_catalog.int4) AS right_swipe_rate,
       pg_catalog.count(*) FILTER (WHERE r.is_shown) AS reported_shown,
       pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_swiped) AS reported_swiped,
       pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_swiped
           AND r.swipe_direction::pg_catalog.text OPERATOR(pg_catalog.=) ANY (ARRAY['right', 'up']::pg_catalog.text[])) AS reported_right_swiped,
       pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_purchased) AS reported_purchased,
       pg_catalog.round(
           pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_purchased)::pg_catalog.numeric
           OPERATOR(pg_catalog./) nullif(pg_catalog.count(*) FILTER (WHERE r.is_shown)::pg_catalog.numeric, 0::pg_catalog.numeric),
           4::pg_catalog.int4) AS reported_purchase_rate
  FROM @extschema@.personality_recommendations r
  LEFT JOIN @extschema@.personality_recommendation_swipes w
         ON w.user_id OPERATOR(pg_catalog.=) r.user_id
        AND w.product_id OPERATOR(pg_catalog.=) r.product_id
        AND w.swiped_at OPERATOR(pg_catalog.>=) r.generated_at
 GROUP BY 1, 2, 3;
COMMENT ON VIEW personality_kpis IS
  'Recommendation KPIs per day (UTC, of generated_at), context and engine (algorithm_version). Verified, from what only the extension writes: recommended (rows generated), swiped (recommendations whose swipe the swipe trigger recorded in an attached swipe table since the row was generated, personality_recommendation_swipes), right_swiped (right or up) and right_swipe_rate (of swiped; the seed''s KPI: > 75 %). Self-reported, from the interaction columns each user may update on their own rows (not evidence of anything): reported_shown, reported_swiped and reported_right_swiped (shown, then swiped), reported_purchased and reported_purchase_rate (of shown). Reads personality_recommendations with the owner''s rights: for service_role only. A recommendation row is rewritten when it is recommended again, so a day counts the latest state of each (user, product).';
DO $$
DECLARE
    v_search_path text := pg_catalog.current_setting('search_path'::pg_catalog.text);
BEGIN
    -- Install-time code runs as a superuser with public on the search path: pin it
    -- to pg_catalog so that no overload planted in public can run here (issue 20).
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, 'pg_catalog, pg_temp'::pg_catalog.text, true);
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT ON @extschema@.personality_kpis TO service_role;
    END IF;
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, v_search_path, true);
END;
$$;
