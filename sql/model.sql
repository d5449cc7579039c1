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
  'Derived: per product, likes (right/up), dislikes (left), neutral swipes, a 90-day half-life decayed like mass as of "at", and likes by people on the high side (>= 60) of each trait; merged by personality_refresh_model() from the swipes since the last refresh. Read by personality_recommend.';
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
  'Derived: per product, its top-K most similar products by co-likes (cosine, each person weighted 1/their likes, their 500 most recent likes), best first; rebuilt incrementally by personality_refresh_model(). Read by personality_recommend and personality_similar_products.';
ALTER TABLE personality_item_neighbours ENABLE ROW LEVEL SECURITY;
-- "which stored rows hold this product": rows to recompute when its like count changed
CREATE INDEX personality_item_neighbours_members ON personality_item_neighbours USING gin (neighbour_ids);

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
    popular_ids uuid[] NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE personality_model_state IS
  'Derived: one row, the state of personality_refresh_model(): when it last ran, how long it took, what it read, and the catalog-level numbers and popular products personality_recommend reads.';
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

-- The refresh itself, without the caller check.
CREATE FUNCTION _personality_refresh_model(p_full boolean) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    v_t0 timestamptz := clock_timestamp();
    v_bound timestamptz;
    v_full boolean := p_full;
    v_hl constant float8 := 90 * 86400;  -- popularity half-life, seconds
    v_k constant int := 100;             -- neighbours kept per product
    v_cap constant int := 500;           -- most recent likes of a person that count
    v_block constant int := 20000;       -- products recomputed per pass
    v_read bigint := 0;
    v_n bigint;
    v_rows uuid[];
    v_changed uuid[];
    v_done bigint := 0;
    v_i int;
    r record;
BEGIN
    -- one refresh at a time; a second waits for the first
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('personality_refresh_model', 0));
    INSERT INTO @extschema@.personality_model_state (id) VALUES (true) ON CONFLICT (id) DO NOTHING;
    IF (SELECT s.refreshed_at IS NULL FROM @extschema@.personality_model_state s) THEN
        v_full := true;
    END IF;
    -- Swipes created before the oldest open transaction's start are all committed (or
    -- never will be): the high-water mark never skips a swipe committed late.
    SELECT least(now(), min(a.xact_start)) INTO v_bound
      FROM pg_catalog.pg_stat_activity a
     WHERE a.datname = pg_catalog.current_database() AND a.xact_start IS NOT NULL;
    v_bound := coalesce(v_bound, now());

    -- Scratch tables of this session (dropped at commit). A table of that name the
    -- caller made goes first: its triggers or defaults must never run as the owner.
    DROP TABLE IF EXISTS pg_temp.personality_model_swipes, pg_temp.personality_model_likes,
                         pg_temp.personality_model_n;
    CREATE TEMP TABLE personality_model_swipes (
        src oid, user_id uuid, product_id uuid, dir smallint, ts timestamptz, fresh boolean
    ) ON COMMIT DROP;
    FOR r IN
        SELECT t.swipe_table::oid AS oid, t.swipe_table::text AS tab,
               CASE @extschema@._personality_column_type(t.swipe_table, t.direction_column)
                    WHEN 'enum' THEN 'pg_catalog.textin(pg_catalog.enum_out(s.' || quote_ident(t.direction_column) || '))'
                    WHEN 'text' THEN 's.' || quote_ident(t.direction_column) || '::pg_catalog.text'
                    WHEN 'varchar' THEN 's.' || quote_ident(t.direction_column) || '::pg_catalog.text'
                    WHEN 'bpchar' THEN 's.' || quote_ident(t.direction_column) || '::pg_catalog.text'
                    WHEN 'name' THEN 's.' || quote_ident(t.direction_column) || '::pg_catalog.text'
                    ELSE NULL END AS dir,
               coalesce(h.swipes_until, '-infinity'::timestamptz) AS since
          FROM @extschema@.personality_swipe_tables t
          JOIN pg_catalog.pg_class c ON c.oid = t.swipe_table
          LEFT JOIN @extschema@.personality_model_sources h ON h.swipe_table = t.swipe_table::oid
         WHERE c.relpersistence <> 't'
           AND @extschema@._personality_column_type(t.swipe_table, 'user_id') = 'uuid'
           AND @extschema@._personality_column_type(t.swipe_table, 'product_id') = 'uuid'
           AND @extschema@._personality_column_type(t.swipe_table, 'created_at') = 'timestamptz'
    LOOP
        CONTINUE WHEN r.dir IS NULL;
        EXECUTE format(
            'INSERT INTO pg_temp.personality_model_swipes '
            'SELECT %s, s.user_id, s.product_id, '
            '       CASE pg_catalog.lower(pg_catalog.btrim(%s)) '
            '            WHEN ''right'' THEN 2 WHEN ''like'' THEN 2 WHEN ''yes'' THEN 2 '
            '            WHEN ''up'' THEN 3 WHEN ''super'' THEN 3 WHEN ''superlike'' THEN 3 WHEN ''love'' THEN 3 '
            '            WHEN ''left'' THEN -1 WHEN ''dislike'' THEN -1 WHEN ''no'' THEN -1 WHEN ''pass'' THEN -1 '
            '            WHEN ''down'' THEN 0 WHEN ''skip'' THEN 0 WHEN ''neutral'' THEN 0 END, '
            '       s.created_at, s.created_at OPERATOR(pg_catalog.>=) $2 '
            '  FROM %s s '
            ' WHERE s.user_id IS NOT NULL AND s.product_id IS NOT NULL '
            '   AND s.created_at OPERATOR(pg_catalog.<) $1',
            r.oid::bigint, r.dir, r.tab)
        USING v_bound, r.since;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_read := v_read + v_n;
    END LOOP;
    -- Swipes below a table's high-water mark that were not there at the last refresh
    -- (inserted with an older created_at) or are gone (deleted, table detached): count
    -- everything again.
    IF NOT v_full AND EXISTS (
        SELECT 1 FROM @extschema@.personality_model_sources h
         WHERE h.swipes_counted <> (SELECT count(*) FROM pg_temp.personality_model_swipes w
                                     WHERE w.src = h.swipe_table AND NOT w.fresh)) THEN
        v_full := true;
    END IF;
    DELETE FROM @extschema@.personality_model_sources;
    INSERT INTO @extschema@.personality_model_sources (swipe_table, swipes_until, swipes_counted)
    SELECT w.src, v_bound, count(*) FROM pg_temp.personality_model_swipes w GROUP BY w.src;
    DELETE FROM pg_temp.personality_model_swipes s WHERE s.dir IS NULL;
    -- a full rebuild counts every swipe again
    IF v_full THEN
        UPDATE pg_temp.personality_model_swipes SET fresh = true;
        TRUNCATE @extschema@.personality_item_stats;
    END IF;

    -- 1. Item stats: merge the new swipes, aggregated per product.
    INSERT INTO @extschema@.personality_item_stats AS s
        (product_id, likes, dislikes, neutral, decayed_likes, at, side_likes)
    SELECT w.product_id,
           count(*) FILTER (WHERE w.dir > 0),
           count(*) FILTER (WHERE w.dir < 0),
           count(*) FILTER (WHERE w.dir = 0),
           coalesce(sum(pg_catalog.power(0.5::float8,
                       greatest(extract(epoch FROM v_bound - w.ts)::float8, 0) / v_hl)) FILTER (WHERE w.dir > 0), 0),
           v_bound,
           ARRAY[count(*) FILTER (WHERE w.dir > 0 AND p.sc[1] >= 60),
                 count(*) FILTER (WHERE w.dir > 0 AND p.sc[2] >= 60),
                 count(*) FILTER (WHERE w.dir > 0 AND p.sc[3] >= 60),
                 count(*) FILTER (WHERE w.dir > 0 AND p.sc[4] >= 60),
                 count(*) FILTER (WHERE w.dir > 0 AND p.sc[5] >= 60)]::real[]
      FROM pg_temp.personality_model_swipes w
      LEFT JOIN LATERAL (
          SELECT ARRAY(SELECT CASE WHEN pg_catalog.jsonb_typeof(pp.personality_scores -> t.n) = 'number'
                                   THEN (pp.personality_scores ->> t.n)::float8 END
                         FROM unnest(ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social'])
                              WITH ORDINALITY AS t(n, i) ORDER BY t.i) AS sc
            FROM @extschema@.personality_profiles pp WHERE pp.user_id = w.user_id) p ON true
     WHERE w.fresh
     GROUP BY w.product_id
    ON CONFLICT (product_id) DO UPDATE SET
        likes = s.likes + EXCLUDED.likes,
        dislikes = s.dislikes + EXCLUDED.dislikes,
        neutral = s.neutral + EXCLUDED.neutral,
        decayed_likes = s.decayed_likes * pg_catalog.power(0.5::float8,
                            greatest(extract(epoch FROM EXCLUDED.at - s.at)::float8, 0) / v_hl)
                        + EXCLUDED.decayed_likes,
        at = greatest(s.at, EXCLUDED.at),
        side_likes = ARRAY[s.side_likes[1] + EXCLUDED.side_likes[1], s.side_likes[2] + EXCLUDED.side_likes[2],
                           s.side_likes[3] + EXCLUDED.side_likes[3], s.side_likes[4] + EXCLUDED.side_likes[4],
                           s.side_likes[5] + EXCLUDED.side_likes[5]]::real[];

    -- 2. Likes that count for the neighbours: each person's latest opinion of a
    -- product, likes only, their v_cap most recent, each weighted 1 / their count.
    CREATE TEMP TABLE personality_model_likes (user_id uuid, product_id uuid, w float8) ON COMMIT DROP;
    INSERT INTO pg_temp.personality_model_likes
    SELECT x.user_id, x.product_id, 1.0 / least(x.n, v_cap)
      FROM (SELECT l.user_id, l.product_id,
                   row_number() OVER (PARTITION BY l.user_id ORDER BY l.ts DESC, l.product_id) AS rn,
                   count(*) OVER (PARTITION BY l.user_id) AS n
              FROM (SELECT DISTINCT ON (w.user_id, w.product_id) w.user_id, w.product_id, w.ts, w.dir
                      FROM pg_temp.personality_model_swipes w
                     ORDER BY w.user_id, w.product_id, w.ts DESC, w.dir DESC) l
             WHERE l.dir > 0) x
     WHERE x.rn <= v_cap;
    CREATE INDEX personality_model_likes_p ON pg_temp.personality_model_likes (product_id);
    CREATE INDEX personality_model_likes_u ON pg_temp.personality_model_likes (user_id);
    ANALYZE pg_temp.personality_model_likes;
    CREATE TEMP TABLE personality_model_n (product_id uuid PRIMARY KEY, n float8) ON COMMIT DROP;
    INSERT INTO pg_temp.personality_model_n
    SELECT l.product_id, sum(l.w) FROM pg_temp.personality_model_likes l GROUP BY l.product_id;

    -- 3. Rows to recompute: everything on a full rebuild; else the products liked by
    -- people with new swipes (their 1/L weight moved all their pairs) and the stored
    -- rows holding one of those (their like count moved the similarity).
    IF v_full THEN
        TRUNCATE @extschema@.personality_item_neighbours;
        v_rows := ARRAY(SELECT n.product_id FROM pg_temp.personality_model_n n ORDER BY n.product_id);
    ELSE
        v_changed := ARRAY(
            SELECT DISTINCT l.product_id FROM pg_temp.personality_model_likes l
             WHERE l.user_id IN (SELECT w.user_id FROM pg_temp.personality_model_swipes w WHERE w.fresh));
        v_rows := ARRAY(
            SELECT x.p FROM (
                SELECT unnest(v_changed) AS p
                UNION
                SELECT nb.product_id FROM @extschema@.personality_item_neighbours nb
                 WHERE nb.neighbour_ids && v_changed
                UNION
                -- products whose last like went away (re-swiped left)
                SELECT DISTINCT w.product_id FROM pg_temp.personality_model_swipes w WHERE w.fresh) x
            ORDER BY x.p);
    END IF;

    -- 4. Recompute those rows, one block of products per statement (bounded memory;
    -- each statement can be cancelled).
    v_i := 1;
    WHILE v_i <= coalesce(array_length(v_rows, 1), 0) LOOP
        DELETE FROM @extschema@.personality_item_neighbours nb
         WHERE nb.product_id = ANY (v_rows[v_i:v_i + v_block - 1]);
        INSERT INTO @extschema@.personality_item_neighbours (product_id, neighbour_ids, sims, cos, refreshed_at)
        SELECT t.i, array_agg(t.j ORDER BY t.rk), array_agg(t.sim ORDER BY t.rk), array_agg(t.co ORDER BY t.rk), now()
          FROM (SELECT c.i, c.j, c.co,
                       (c.wco / sqrt(ni.n * nj.n))::real AS sim,
                       row_number() OVER (PARTITION BY c.i ORDER BY c.wco / sqrt(ni.n * nj.n) DESC, c.j) AS rk
                  FROM (SELECT a.product_id AS i, b.product_id AS j, count(*)::real AS co, sum(a.w) AS wco
                          FROM pg_temp.personality_model_likes a
                          JOIN pg_temp.personality_model_likes b
                            ON b.user_id = a.user_id AND b.product_id <> a.product_id
                         WHERE a.product_id = ANY (v_rows[v_i:v_i + v_block - 1])
                         GROUP BY a.product_id, b.product_id) c
                  JOIN pg_temp.personality_model_n ni ON ni.product_id = c.i
                  JOIN pg_temp.personality_model_n nj ON nj.product_id = c.j
                 WHERE ni.n > 0 AND nj.n > 0) t
         WHERE t.rk <= v_k
         GROUP BY t.i;
        GET DIAGNOSTICS v_n = ROW_COUNT;
        v_done := v_done + v_n;
        v_i := v_i + v_block;
    END LOOP;

    -- 5. Catalog numbers and the popular products, as of the high-water mark.
    UPDATE @extschema@.personality_model_state m SET
        like_rate = coalesce(c.rate, 0.5),
        log_max_decayed = coalesce(c.lmd, 0),
        stats_at = v_bound
      FROM (SELECT CASE WHEN sum(s.likes + s.dislikes) > 0 THEN sum(s.likes) / sum(s.likes + s.dislikes) END AS rate,
                   ln(1 + max(s.decayed_likes * pg_catalog.power(0.5::float8,
                          greatest(extract(epoch FROM v_bound - s.at)::float8, 0) / v_hl))) AS lmd
              FROM @extschema@.personality_item_stats s) c
     WHERE m.id;
    UPDATE @extschema@.personality_model_state m SET
        popular_ids = ARRAY(
            SELECT s.product_id
              FROM @extschema@.personality_item_stats s
              JOIN @extschema@.personality_product_vectors v ON v.product_id = s.product_id AND v.is_active
             WHERE s.likes > 0 AND m.log_max_decayed > 0
             ORDER BY least(1, ln(1 + s.decayed_likes * pg_catalog.power(0.5::float8,
                          greatest(extract(epoch FROM v_bound - s.at)::float8, 0) / v_hl)) / m.log_max_decayed
                          * ((s.likes + 10 * m.like_rate) / (s.likes + s.dislikes + 10)) / greatest(m.like_rate, 1e-6)) DESC,
                      s.likes DESC, s.product_id
             LIMIT 300),
        refreshed_at = now(),
        swipes_until = v_bound,
        refresh_ms = extract(epoch FROM clock_timestamp() - v_t0) * 1000,
        swipes_read = v_read,
        rows_refreshed = v_done
     WHERE m.id;
    RETURN jsonb_build_object('full', v_full, 'swipes_read', v_read, 'rows_refreshed', v_done,
                              'products_with_neighbours', (SELECT count(*) FROM @extschema@.personality_item_neighbours),
                              'swipes_until', v_bound,
                              'ms', round((extract(epoch FROM clock_timestamp() - v_t0) * 1000)::numeric, 1));
END;
$$;
COMMENT ON FUNCTION _personality_refresh_model(boolean) IS
  'Internal: personality_refresh_model without the caller check.';

CREATE FUNCTION personality_refresh_model(p_full boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@._personality_require_trusted('refresh the recommendation model');
    IF p_full IS NULL THEN
        RAISE EXCEPTION 'p_full must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN @extschema@._personality_refresh_model(p_full);
END;
$$;
COMMENT ON FUNCTION personality_refresh_model(boolean) IS
  'Refreshes the collaborative model of personality_recommend from every attached swipe table (with a created_at timestamptz column): merges the swipes since the last refresh into personality_item_stats and recomputes the top-100 neighbours (personality_item_neighbours) of the products they touch, in blocks of 20,000 products; p_full => true rebuilds everything. Returns what it did as jsonb. Schedule it, e.g. every 10 minutes with pg_cron: SELECT cron.schedule(''personality-model'', ''*/10 * * * *'', ''SELECT personality_refresh_model()''). For service_role, the owner and superusers (42501 otherwise).';

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
    -- 1. neighbours by co-likes (best first)
    nb AS (
        SELECT u.id, u.sim, u.co, u.ord
          FROM @extschema@.personality_item_neighbours n
         CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(n.neighbour_ids), pg_catalog.unnest(n.sims),
                                       pg_catalog.unnest(n.cos)) WITH ORDINALITY AS u(id, sim, co, ord)
         WHERE n.product_id OPERATOR(pg_catalog.=) p_product_id
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
               coalesce(st.likes, 0) AS likes,
               (coalesce(st.likes, 0) OPERATOR(pg_catalog.+) 1)
                 OPERATOR(pg_catalog./) (coalesce(st.likes, 0) OPERATOR(pg_catalog.+) coalesce(st.dislikes, 0)
                                         OPERATOR(pg_catalog.+) 2) AS rate
          FROM cand c
          JOIN @extschema@.personality_product_vectors v ON v.product_id OPERATOR(pg_catalog.=) c.id AND v.is_active
          LEFT JOIN @extschema@.personality_item_stats st ON st.product_id OPERATOR(pg_catalog.=) c.id
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
  'Products similar to p_product_id (the seed''s ''similar'' context): first its stored neighbours by co-likes (personality_refresh_model), best similarity first, then products with the same category, price band and personality profile, then the same category and price band; only active products, under p_max_price when given; with an occasion, products whose traits do not fit it are dropped and the rest ranked by fit too. Each row says why (reasons). When the host''s products table has row-level security, only products the caller may SELECT are returned. 22023 for a bad limit or price, P0002 for a product without a vector.';

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
