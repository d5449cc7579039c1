-- The recommendation engine's precomputed product vectors (README "Recommendations").
--
-- personality_product_vectors holds, per product of the host catalog, its trait
-- affinities (from personality_product_traits) and their normalised shares, with one
-- partial index per trait on the share: personality_recommend() reads the top of those
-- five indexes (a threshold algorithm) instead of scoring every product.
-- It is kept current by a trigger on the host's products table
-- (personality_products_vectors, attached at install or by personality_attach_catalog())
-- and by a statement trigger on personality_gift_mappings (any change rebuilds it).
-- Its rows are not dumped: a restore computes them again once the products are back.

CREATE TABLE personality_product_vectors (
    product_id uuid PRIMARY KEY,
    category text NOT NULL DEFAULT '',
    price numeric,
    -- 0 budget (< 25), 1 mid (25..100), 2 premium (> 100), 3 unknown: the mappings'
    -- price_range_modifier is constant within a band. 25 and 100 are
    -- personality_core::recommend::BUDGET_BELOW and PREMIUM_ABOVE (also in the
    -- refresh function below).
    price_band smallint NOT NULL DEFAULT 3,
    is_active boolean NOT NULL DEFAULT true,
    affinities jsonb NOT NULL DEFAULT '{}',
    -- sum of the affinities: affinity = share x strength (the swipe trigger reads these)
    strength real NOT NULL DEFAULT 0,
    -- products with the same category, price band and shares score the same for
    -- everyone: personality_vector_groups counts them
    group_id bigint NOT NULL DEFAULT 0,
    adventurous real NOT NULL DEFAULT 0,
    intellectual real NOT NULL DEFAULT 0,
    practical real NOT NULL DEFAULT 0,
    creative real NOT NULL DEFAULT 0,
    social real NOT NULL DEFAULT 0,
    refreshed_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE personality_product_vectors IS
  'Derived: each host product''s trait affinities (jsonb, as personality_product_traits returns them), their sum (strength) and shares (the five real columns, summing to 1, or all 0), kept current by triggers; read by personality_recommend and the swipe trigger. Not dumped: computed again after a restore.';
-- Not dumped: the vectors are derived from the host's products and the mappings, and
-- are computed again when a restore links the products table (_personality_link_host).
ALTER TABLE personality_product_vectors ENABLE ROW LEVEL SECURITY;
CREATE POLICY personality_product_vectors_select_all ON personality_product_vectors FOR SELECT USING (true);
COMMENT ON POLICY personality_product_vectors_select_all ON personality_product_vectors IS
  'Product vectors are derived from the public catalog; readable by everyone, written only by the extension.';

CREATE INDEX personality_product_vectors_group ON personality_product_vectors (group_id, product_id) WHERE is_active;

-- The distinct (category, price band, shares) among active products, with how many
-- products each has. Every product of a group has the same combined score for a given
-- person, so personality_recommend ranks these groups (hundreds, usually, even for a
-- million products) and then takes products from the best groups.
CREATE TABLE personality_vector_groups (
    group_id bigint PRIMARY KEY,
    category text NOT NULL,
    price_band smallint NOT NULL,
    adventurous real NOT NULL,
    intellectual real NOT NULL,
    practical real NOT NULL,
    creative real NOT NULL,
    social real NOT NULL,
    active_products bigint NOT NULL
);
COMMENT ON TABLE personality_vector_groups IS
  'Derived: the distinct (category, price band, trait shares) of active products in personality_product_vectors and how many products each has; kept current by statement triggers on personality_product_vectors (so a restore rebuilds it); read by personality_recommend.';
-- Not dumped: restoring personality_product_vectors rebuilds it through the triggers below.
ALTER TABLE personality_vector_groups ENABLE ROW LEVEL SECURITY;
CREATE POLICY personality_vector_groups_select_all ON personality_vector_groups FOR SELECT USING (true);
COMMENT ON POLICY personality_vector_groups_select_all ON personality_vector_groups IS
  'Derived from the public catalog; readable by everyone, written only by the extension.';

CREATE FUNCTION _personality_vector_groups_sync() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID <> '@extschema@.personality_product_vectors'::regclass THEN
        RAISE EXCEPTION 'personality_ext: % fires only on personality_product_vectors', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO @extschema@.personality_vector_groups AS g
        SELECT n.group_id, min(n.category), min(n.price_band), min(n.adventurous), min(n.intellectual),
               min(n.practical), min(n.creative), min(n.social), count(*)
          FROM new_rows n WHERE n.is_active GROUP BY n.group_id
        ON CONFLICT (group_id) DO UPDATE SET active_products = g.active_products + EXCLUDED.active_products;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO @extschema@.personality_vector_groups AS g
        SELECT d.group_id, min(d.category), min(d.price_band), min(d.adventurous), min(d.intellectual),
               min(d.practical), min(d.creative), min(d.social), sum(d.n)
          FROM (SELECT n.group_id, n.category, n.price_band, n.adventurous, n.intellectual, n.practical,
                       n.creative, n.social, 1 AS n FROM new_rows n WHERE n.is_active
                UNION ALL
                SELECT o.group_id, o.category, o.price_band, o.adventurous, o.intellectual, o.practical,
                       o.creative, o.social, -1 FROM old_rows o WHERE o.is_active) d
         GROUP BY d.group_id
        ON CONFLICT (group_id) DO UPDATE SET active_products = g.active_products + EXCLUDED.active_products;
        DELETE FROM @extschema@.personality_vector_groups g
         WHERE g.active_products <= 0 AND g.group_id IN (SELECT o.group_id FROM old_rows o);
    ELSE
        UPDATE @extschema@.personality_vector_groups g SET active_products = g.active_products - d.n
          FROM (SELECT o.group_id, count(*) AS n FROM old_rows o WHERE o.is_active GROUP BY o.group_id) d
         WHERE g.group_id = d.group_id;
        DELETE FROM @extschema@.personality_vector_groups g
         WHERE g.active_products <= 0 AND g.group_id IN (SELECT o.group_id FROM old_rows o);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_vector_groups_sync() IS
  'Internal trigger function: keeps personality_vector_groups counting the active products of each (category, price band, shares).';
CREATE TRIGGER personality_product_vectors_groups_ins AFTER INSERT ON personality_product_vectors
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION _personality_vector_groups_sync();
CREATE TRIGGER personality_product_vectors_groups_upd AFTER UPDATE ON personality_product_vectors
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION _personality_vector_groups_sync();
CREATE TRIGGER personality_product_vectors_groups_del AFTER DELETE ON personality_product_vectors
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION _personality_vector_groups_sync();
COMMENT ON TRIGGER personality_product_vectors_groups_ins ON personality_product_vectors IS 'Keeps personality_vector_groups current.';
COMMENT ON TRIGGER personality_product_vectors_groups_upd ON personality_product_vectors IS 'Keeps personality_vector_groups current.';
COMMENT ON TRIGGER personality_product_vectors_groups_del ON personality_product_vectors IS 'Keeps personality_vector_groups current.';

-- Per category, price band and trait, products by share: the lists of the threshold
-- algorithm (category alignment, behaviour and the price modifier are constant within
-- a category and band, so the bound is tight there).
CREATE INDEX personality_product_vectors_adventurous ON personality_product_vectors (category, price_band, adventurous DESC, product_id) WHERE is_active;
CREATE INDEX personality_product_vectors_intellectual ON personality_product_vectors (category, price_band, intellectual DESC, product_id) WHERE is_active;
CREATE INDEX personality_product_vectors_practical ON personality_product_vectors (category, price_band, practical DESC, product_id) WHERE is_active;
CREATE INDEX personality_product_vectors_creative ON personality_product_vectors (category, price_band, creative DESC, product_id) WHERE is_active;
CREATE INDEX personality_product_vectors_social ON personality_product_vectors (category, price_band, social DESC, product_id) WHERE is_active;

-- (Re)computes the vectors of the given products (all when NULL) from the adapter view.
CREATE FUNCTION _personality_refresh_vectors(p_product_ids uuid[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n bigint;
    v_seen text;
    v_round int := 0;
BEGIN
    IF @extschema@._personality_features_view() IS NULL THEN
        RETURN 0;
    END IF;
    IF p_product_ids IS NULL THEN
        DELETE FROM @extschema@.personality_product_vectors v
         WHERE NOT EXISTS (SELECT 1 FROM @extschema@.personality_product_features f
                            WHERE f.product_id OPERATOR(pg_catalog.=) v.product_id);
    ELSE
        DELETE FROM @extschema@.personality_product_vectors v
         WHERE v.product_id OPERATOR(pg_catalog.=) ANY (p_product_ids)
           AND NOT EXISTS (SELECT 1 FROM @extschema@.personality_product_features f
                            WHERE f.product_id OPERATOR(pg_catalog.=) v.product_id);
    END IF;
    -- The vectors are computed from the gift mappings this statement sees. A concurrent
    -- transaction may change the mappings, rebuild its vectors and commit while this
    -- statement waits for those rows (pg_restore -j: the mappings' COPY against the
    -- rebuild of the products link); the stale values would then win. So the statement
    -- also records which mapping row versions it saw, and runs again (at most 3 times)
    -- when the committed mappings differ afterwards. No lock: taking one here deadlocks
    -- against the products link, which holds ACCESS EXCLUSIVE on products.
    LOOP
        v_round := v_round OPERATOR(pg_catalog.+) 1;
        WITH seen AS MATERIALIZED (
            SELECT pg_catalog.string_agg(m.xmin::pg_catalog.text OPERATOR(pg_catalog.||) m.ctid::pg_catalog.text,
                                         ',' ORDER BY m.ctid) AS versions
              FROM @extschema@.personality_gift_mappings m
        ), written AS (
            INSERT INTO @extschema@.personality_product_vectors AS v
                (product_id, category, price, price_band, group_id, is_active, affinities, strength,
                 adventurous, intellectual, practical, creative, social, refreshed_at)
            SELECT f.product_id, coalesce(pg_catalog.lower(pg_catalog.btrim(f.category)), ''), f.price,
                   a.band,
                   pg_catalog.hashtextextended(pg_catalog.concat_ws('|', coalesce(pg_catalog.lower(pg_catalog.btrim(f.category)), ''),
                                                                    a.band, a.j::pg_catalog.text), 0),
                   coalesce(f.is_active, true), a.j, a.total,
                   CASE WHEN a.total OPERATOR(pg_catalog.>) 0 THEN (a.j OPERATOR(pg_catalog.->>) 'adventurous')::pg_catalog.float8 OPERATOR(pg_catalog./) a.total ELSE 0 END,
                   CASE WHEN a.total OPERATOR(pg_catalog.>) 0 THEN (a.j OPERATOR(pg_catalog.->>) 'intellectual')::pg_catalog.float8 OPERATOR(pg_catalog./) a.total ELSE 0 END,
                   CASE WHEN a.total OPERATOR(pg_catalog.>) 0 THEN (a.j OPERATOR(pg_catalog.->>) 'practical')::pg_catalog.float8 OPERATOR(pg_catalog./) a.total ELSE 0 END,
                   CASE WHEN a.total OPERATOR(pg_catalog.>) 0 THEN (a.j OPERATOR(pg_catalog.->>) 'creative')::pg_catalog.float8 OPERATOR(pg_catalog./) a.total ELSE 0 END,
                   CASE WHEN a.total OPERATOR(pg_catalog.>) 0 THEN (a.j OPERATOR(pg_catalog.->>) 'social')::pg_catalog.float8 OPERATOR(pg_catalog./) a.total ELSE 0 END,
                   pg_catalog.now()
              FROM @extschema@.personality_product_features f
              CROSS JOIN LATERAL (SELECT t.j,
                                         (t.j OPERATOR(pg_catalog.->>) 'adventurous')::pg_catalog.float8
                                         OPERATOR(pg_catalog.+) (t.j OPERATOR(pg_catalog.->>) 'intellectual')::pg_catalog.float8
                                         OPERATOR(pg_catalog.+) (t.j OPERATOR(pg_catalog.->>) 'practical')::pg_catalog.float8
                                         OPERATOR(pg_catalog.+) (t.j OPERATOR(pg_catalog.->>) 'creative')::pg_catalog.float8
                                         OPERATOR(pg_catalog.+) (t.j OPERATOR(pg_catalog.->>) 'social')::pg_catalog.float8 AS total,
                                         CASE WHEN f.price IS NULL THEN 3
                                              WHEN f.price OPERATOR(pg_catalog.<) 25::pg_catalog.numeric THEN 0
                                              WHEN f.price OPERATOR(pg_catalog.<=) 100::pg_catalog.numeric THEN 1 ELSE 2 END AS band
                                    -- OFFSET 0 keeps the planner from inlining the call once per ->> below
                                    FROM (SELECT @extschema@.personality_product_traits(f.category, f.tags) AS j OFFSET 0) t) a
             WHERE p_product_ids IS NULL OR f.product_id OPERATOR(pg_catalog.=) ANY (p_product_ids)
            ON CONFLICT (product_id) DO UPDATE SET
                category = EXCLUDED.category, price = EXCLUDED.price, price_band = EXCLUDED.price_band,
                group_id = EXCLUDED.group_id,
                is_active = EXCLUDED.is_active,
                affinities = EXCLUDED.affinities, strength = EXCLUDED.strength, adventurous = EXCLUDED.adventurous,
                intellectual = EXCLUDED.intellectual, practical = EXCLUDED.practical,
                creative = EXCLUDED.creative, social = EXCLUDED.social, refreshed_at = pg_catalog.now()
            RETURNING 1
        )
        SELECT (SELECT pg_catalog.count(*) FROM written), (SELECT s.versions FROM seen s)
          INTO v_n, v_seen;
        EXIT WHEN v_round OPERATOR(pg_catalog.>=) 3
               OR v_seen IS NOT DISTINCT FROM
                  (SELECT pg_catalog.string_agg(m.xmin::pg_catalog.text OPERATOR(pg_catalog.||) m.ctid::pg_catalog.text,
                                                ',' ORDER BY m.ctid)
                     FROM @extschema@.personality_gift_mappings m);
    END LOOP;
    IF p_product_ids IS NULL THEN
        -- fresh statistics, or the top-k queries start with bad plans
        ANALYZE @extschema@.personality_product_vectors;
        ANALYZE @extschema@.personality_vector_groups;
    END IF;
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION _personality_refresh_vectors(uuid[]) IS
  'Internal: personality_refresh_product_vectors without the caller check (for the extension''s triggers).';

CREATE FUNCTION personality_refresh_product_vectors(p_product_ids uuid[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@._personality_require_trusted('refresh the product vectors');
    RETURN @extschema@._personality_refresh_vectors(p_product_ids);
END;
$$;
COMMENT ON FUNCTION personality_refresh_product_vectors(uuid[]) IS
  'Recomputes the precomputed product vectors from personality_product_features and the gift mappings: for the given product ids, or the whole catalog when NULL. Returns the number of vectors written. Run it after replacing the adapter view or bulk-loading products with triggers disabled. For service_role, the owner and superusers (42501 otherwise).';

CREATE FUNCTION _personality_products_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Whatever table fires it, it only brings vectors in line with the catalog view:
    -- a deleted product's vector goes only when the product is gone from the view.
    IF TG_OP = 'DELETE' THEN
        IF @extschema@._personality_features_view() IS NOT NULL THEN
            DELETE FROM @extschema@.personality_product_vectors v
             WHERE v.product_id IN (SELECT o.id FROM old_rows o)
               AND NOT EXISTS (SELECT 1 FROM @extschema@.personality_product_features f
                                WHERE f.product_id = v.product_id);
        END IF;
    ELSE
        PERFORM @extschema@._personality_refresh_vectors(ARRAY(SELECT n.id FROM new_rows n));
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_products_changed() IS
  'Internal trigger function: keeps personality_product_vectors current when the host''s products change (statement level, transition tables).';

CREATE FUNCTION _personality_attach_catalog(p_table regclass) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    v_table regclass := coalesce(p_table, @extschema@._personality_host_table('products'));
    v_n bigint;
BEGIN
    IF v_table IS NULL THEN
        RAISE EXCEPTION 'no products table found' USING ERRCODE = 'undefined_table',
            HINT = 'Create products(id uuid primary key, ...) or pass the table: SELECT personality_attach_catalog(''my_products'');';
    END IF;
    IF (SELECT c.relkind NOT IN ('r', 'p') OR c.relpersistence = 't' FROM pg_class c WHERE c.oid = v_table)
       OR @extschema@._personality_column_type(v_table, 'id') IS DISTINCT FROM 'uuid' THEN
        RAISE EXCEPTION 'cannot attach the catalog %: not a permanent table with id uuid', v_table
            USING ERRCODE = 'wrong_object_type';
    END IF;
    PERFORM @extschema@._personality_create_product_features();
    FOREACH v_n IN ARRAY ARRAY[1, 2, 3] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s',
                       (ARRAY['personality_products_vectors_ins', 'personality_products_vectors_upd', 'personality_products_vectors_del'])[v_n], v_table);
    END LOOP;
    EXECUTE format('CREATE TRIGGER personality_products_vectors_ins AFTER INSERT ON %s '
                   'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._personality_products_changed()', v_table);
    EXECUTE format('CREATE TRIGGER personality_products_vectors_upd AFTER UPDATE ON %s '
                   'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._personality_products_changed()', v_table);
    EXECUTE format('CREATE TRIGGER personality_products_vectors_del AFTER DELETE ON %s '
                   'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._personality_products_changed()', v_table);
    EXECUTE format('COMMENT ON TRIGGER personality_products_vectors_ins ON %s IS %L', v_table, 'personality_ext: keeps personality_product_vectors current.');
    EXECUTE format('COMMENT ON TRIGGER personality_products_vectors_upd ON %s IS %L', v_table, 'personality_ext: keeps personality_product_vectors current.');
    EXECUTE format('COMMENT ON TRIGGER personality_products_vectors_del ON %s IS %L', v_table, 'personality_ext: keeps personality_product_vectors current.');
    PERFORM @extschema@._personality_adopt_triggers();
    v_n := @extschema@._personality_refresh_vectors(NULL);
    RETURN format('attached to %s; %s product vectors computed', v_table, v_n);
END;
$$;
COMMENT ON FUNCTION _personality_attach_catalog(regclass) IS
  'Internal: personality_attach_catalog without the caller check.';

CREATE FUNCTION personality_attach_catalog(p_table regclass DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT @extschema@._personality_may_attach(coalesce(p_table, @extschema@._personality_host_table('products'))) THEN
        RAISE EXCEPTION 'permission denied to attach the catalog %', coalesce(p_table::text, 'products')
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The owner of the table attaches it, and only when it is also trusted (superuser, service_role, the owner of the personality tables).';
    END IF;
    RETURN @extschema@._personality_attach_catalog(p_table);
END;
$$;
COMMENT ON FUNCTION personality_attach_catalog(regclass) IS
  'Keeps personality_product_vectors current for the host''s products table (statement triggers personality_products_vectors_ins/upd/del) and computes every vector now. Done at install when products exists; call it yourself when products was created after the extension. For trusted roles that own the table (42501 otherwise).';

CREATE FUNCTION _personality_mappings_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID <> '@extschema@.personality_gift_mappings'::regclass THEN
        RAISE EXCEPTION 'personality_ext: % fires only on personality_gift_mappings', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM @extschema@._personality_refresh_vectors(NULL);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_mappings_changed() IS
  'Internal trigger function: a change of the gift mappings changes every product''s affinities; rebuild the vectors.';

CREATE TRIGGER personality_gift_mappings_vectors
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON personality_gift_mappings
    FOR EACH STATEMENT EXECUTE FUNCTION _personality_mappings_changed();
COMMENT ON TRIGGER personality_gift_mappings_vectors ON personality_gift_mappings IS
  'Rebuilds personality_product_vectors when the gift mappings change.';
