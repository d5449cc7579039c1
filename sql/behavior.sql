-- Behaviour learning: attaching the swipe trigger to the host's swipe tables, and the
-- products adapter view it reads (README "Behaviour learning", "Adapting to your
-- catalog").

-- The products adapter: one row per product with its category slug, tags, price and
-- whether it is active, built from the host's products shape. This view is the one
-- place an operator adapts personality_ext to another catalog shape:
--   CREATE OR REPLACE VIEW personality_product_features AS SELECT ... ;
-- (same column names and types). It is created when the host's products table is
-- linked (at install, or later by the event trigger).
CREATE FUNCTION _personality_product_features_sql(p_products regclass) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog
AS $$
DECLARE
    v_cols text[];
    v_categories regclass := @extschema@._personality_host_table('categories');
    v_category text := 'NULL::text';
    v_tags text := '''{}''::text[]';
    v_price text := 'NULL::numeric';
    v_active text := 'true';
    v_tags_type regtype;
BEGIN
    SELECT array_agg(attname::text) INTO v_cols
      FROM pg_attribute WHERE attrelid = p_products AND attnum > 0 AND NOT attisdropped;
    IF 'category_id' = ANY (v_cols) AND v_categories IS NOT NULL
       AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = v_categories AND attname = 'slug' AND NOT attisdropped) THEN
        v_category := format('(SELECT c.slug::text FROM %s c WHERE c.id = p.category_id)', v_categories);
    ELSIF 'category' = ANY (v_cols) THEN
        v_category := 'p.category::text';
    END IF;
    IF 'tags' = ANY (v_cols) THEN
        SELECT atttypid::regtype INTO v_tags_type FROM pg_attribute WHERE attrelid = p_products AND attname = 'tags';
        IF v_tags_type = 'jsonb'::regtype THEN
            v_tags := 'ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(p.tags) = ''array'' THEN p.tags ELSE ''[]''::jsonb END))';
        ELSE
            v_tags := 'coalesce(p.tags::text[], ''{}''::text[])';
        END IF;
    END IF;
    IF 'price' = ANY (v_cols) THEN
        v_price := 'p.price::numeric';
    ELSIF 'price_min' = ANY (v_cols) THEN
        v_price := 'p.price_min::numeric';
    END IF;
    IF 'is_active' = ANY (v_cols) THEN
        v_active := 'coalesce(p.is_active, true)';
    END IF;
    RETURN format(
        'SELECT p.id AS product_id, %s AS category, %s AS tags, %s AS price, %s AS is_active FROM %s p',
        v_category, v_tags, v_price, v_active, p_products);
END;
$$;
COMMENT ON FUNCTION _personality_product_features_sql(regclass) IS
  'Internal: the SELECT behind personality_product_features for the host''s products shape (category via categories.slug or products.category, tags, price or price_min, is_active).';

CREATE FUNCTION _personality_create_product_features() RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog
AS $$
DECLARE
    v_products regclass := @extschema@._personality_host_table('products');
BEGIN
    IF v_products IS NULL OR to_regclass('@extschema@.personality_product_features') IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE VIEW @extschema@.personality_product_features AS %s',
                   @extschema@._personality_product_features_sql(v_products));
    COMMENT ON VIEW @extschema@.personality_product_features IS
      'Products adapter: product_id, category (slug), tags, price, is_active, from the host''s catalog. The one place to adapt personality_ext to another catalog shape: CREATE OR REPLACE VIEW with the same columns.';
    -- Outside CREATE EXTENSION the view is not a member yet; make it one so that
    -- DROP EXTENSION removes it.
    IF NOT EXISTS (SELECT 1 FROM pg_depend
                    WHERE classid = 'pg_class'::regclass
                      AND objid = '@extschema@.personality_product_features'::regclass
                      AND deptype = 'e') THEN
        ALTER EXTENSION personality_ext ADD VIEW @extschema@.personality_product_features;
    END IF;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION _personality_create_product_features() IS
  'Internal: creates the personality_product_features view from the host''s products table when it exists and the view does not.';

-- Attaching the learning trigger to a swipe table.
CREATE FUNCTION personality_attach_behavior(p_table regclass, p_direction_column name, p_for_each text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog
SET client_min_messages = warning  -- no "trigger does not exist, skipping"
AS $$
DECLARE
    v_col name := p_direction_column;
    v_missing text[];
BEGIN
    IF NOT @extschema@._personality_caller_is_trusted()
       AND NOT pg_has_role(@extschema@._personality_calling_role(),
                           (SELECT relowner FROM pg_class WHERE oid = p_table), 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to attach personality learning to %', p_table
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the owner of the table (or a superuser) can attach it.';
    END IF;
    SELECT array_agg(c ORDER BY c) INTO v_missing
      FROM unnest(ARRAY['user_id', 'product_id']) c
     WHERE NOT EXISTS (SELECT 1 FROM pg_attribute
                        WHERE attrelid = p_table AND attname = c AND NOT attisdropped AND attnum > 0);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'table % has no column %', p_table, array_to_string(v_missing, ' or ')
            USING ERRCODE = 'undefined_column',
                  DETAIL = 'A swipe table needs user_id uuid, product_id uuid and a direction column.',
                  HINT = 'Swipe tables need the columns user_id and product_id (uuid); rename them in your table.';
    END IF;
    IF v_col IS NULL THEN
        SELECT attname INTO v_col FROM pg_attribute
         WHERE attrelid = p_table AND attname IN ('direction', 'swipe_direction') AND NOT attisdropped
         ORDER BY attname = 'direction' DESC LIMIT 1;
        IF v_col IS NULL THEN
            RAISE EXCEPTION 'table % has no column direction or swipe_direction', p_table
                USING ERRCODE = 'undefined_column',
                      HINT = 'Name the direction column: SELECT personality_attach_behavior(''my_swipes'', ''my_column'');';
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = p_table AND attname = v_col AND NOT attisdropped AND attnum > 0) THEN
        RAISE EXCEPTION 'table % has no column %', p_table, v_col USING ERRCODE = 'undefined_column';
    END IF;
    IF p_for_each IS NULL OR p_for_each NOT IN ('row', 'statement') THEN
        RAISE EXCEPTION 'invalid trigger level: %', coalesce(quote_literal(p_for_each), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''row'' (every swipe on its own: the default) or ''statement'' (set-based, for bulk loads).';
    END IF;
    IF p_for_each = 'statement' AND EXISTS (
            SELECT 1 FROM pg_attribute WHERE attrelid = p_table AND attname IN ('user_id', 'product_id')
               AND NOT attisdropped AND atttypid <> 'uuid'::regtype) THEN
        RAISE EXCEPTION 'table %: user_id and product_id must be uuid for statement-level learning', p_table
            USING ERRCODE = 'datatype_mismatch';
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS update_personality_from_swipes ON %s', p_table);
    IF p_for_each = 'row' THEN
        EXECUTE format('CREATE TRIGGER update_personality_from_swipes AFTER INSERT ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION @extschema@.update_personality_from_behavior(%L)',
                       p_table, v_col);
    ELSE
        EXECUTE format('CREATE TRIGGER update_personality_from_swipes AFTER INSERT ON %s '
                       'REFERENCING NEW TABLE AS personality_new_swipes '
                       'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.update_personality_from_behavior_bulk(%L)',
                       p_table, v_col);
    END IF;
    EXECUTE format('COMMENT ON TRIGGER update_personality_from_swipes ON %s IS %L', p_table,
                   'personality_ext: every inserted swipe teaches the user''s personality profile (direction column '
                   || v_col || CASE WHEN p_for_each = 'statement' THEN ', learnt per statement' ELSE '' END || ').');
    -- The trigger belongs to the host's table but dies with the extension.
    PERFORM @extschema@._personality_adopt_triggers();
    RETURN format('attached to %s (direction column %s%s)', p_table, v_col,
                  CASE WHEN p_for_each = 'statement' THEN ', per statement' ELSE '' END);
END;
$$;
COMMENT ON FUNCTION personality_attach_behavior(regclass, name, text) IS
  'Attaches behaviour learning to a swipe table as trigger update_personality_from_swipes AFTER INSERT, FOR EACH ROW (p_for_each ''row'') or FOR EACH STATEMENT with a transition table (''statement'': the same learning, set-based, faster for bulk loads, slower for single-row inserts). 42703 names a missing column; 22023 for another level; 42804 when user_id/product_id are not uuid (statement level). Example: SELECT personality_attach_behavior(''swipes'', ''direction'', ''statement'');';

CREATE FUNCTION personality_attach_behavior(p_table regclass, p_direction_column name DEFAULT NULL)
RETURNS text
LANGUAGE sql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT @extschema@.personality_attach_behavior(p_table, p_direction_column, 'row')
$$;
COMMENT ON FUNCTION personality_attach_behavior(regclass, name) IS
  'Attaches behaviour learning (trigger update_personality_from_swipes AFTER INSERT FOR EACH ROW) to a swipe table with user_id, product_id and a direction column (direction or swipe_direction unless named). 42703 names a missing column. Example: SELECT personality_attach_behavior(''swipe_interactions''); For bulk loads see personality_attach_behavior(table, column, ''statement'').';

CREATE FUNCTION personality_detach_behavior(p_table regclass) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    IF NOT @extschema@._personality_caller_is_trusted()
       AND NOT pg_has_role(@extschema@._personality_calling_role(),
                           (SELECT relowner FROM pg_class WHERE oid = p_table), 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to detach personality learning from %', p_table
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = p_table AND tgname = 'update_personality_from_swipes') THEN
        RETURN false;
    END IF;
    EXECUTE format('DROP TRIGGER update_personality_from_swipes ON %s', p_table);
    RETURN true;
END;
$$;
COMMENT ON FUNCTION personality_detach_behavior(regclass) IS
  'Removes behaviour learning from a swipe table; returns false when it was not attached.';

CREATE VIEW personality_swipe_tables AS
SELECT t.tgrelid::regclass AS swipe_table,
       convert_from(substring(t.tgargs from 1 for greatest(length(t.tgargs) - 1, 0)), 'UTF8')::name AS direction_column,
       t.tgenabled <> 'D' AS enabled,
       CASE WHEN t.tgtype & 1 = 1 THEN 'row' ELSE 'statement' END AS for_each
  FROM pg_trigger t
 WHERE t.tgname = 'update_personality_from_swipes'
   AND t.tgfoid IN ('update_personality_from_behavior()'::regprocedure,
                    'update_personality_from_behavior_bulk()'::regprocedure);
COMMENT ON VIEW personality_swipe_tables IS
  'The swipe tables behaviour learning is attached to, with their direction column and trigger level (row, or statement for bulk loads).';

-- Nobody but the owner may attach the trigger functions to a table of their own.
REVOKE EXECUTE ON FUNCTION update_personality_from_behavior() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION update_personality_from_behavior_bulk() FROM PUBLIC;
-- They write profiles for the swiping user even when that user may not (RLS, grants).
ALTER FUNCTION update_personality_from_behavior() SECURITY DEFINER;
ALTER FUNCTION update_personality_from_behavior_bulk() SECURITY DEFINER;
COMMENT ON FUNCTION update_personality_from_behavior_bulk() IS
  'Statement-level trigger function: the learning of update_personality_from_behavior() for every row of an INSERT (transition table personality_new_swipes), computed with a few set-based statements: the same learning states, profiles, history rows and recommendation marks as row by row. Faster for bulk loads. Attach with personality_attach_behavior(table, column, ''statement'').';
COMMENT ON FUNCTION update_personality_from_behavior() IS
  'Trigger function (seed contract): learns from each inserted swipe (right like, up strong like, left dislike, down neutral) by moving the user''s trait scores toward or away from the product''s traits at personality.learning_rate; never fails the swipe. Attach with personality_attach_behavior().';
