-- Behaviour learning: attaching the swipe trigger to the host's swipe tables, and the
-- products adapter view it reads (README "Behaviour learning", "Adapting to your
-- catalog").

-- The products adapter: one row per product with its category slug, tags, price and
-- whether it is active, built from the host's products shape. This view is the one
-- place an operator adapts personality_ext to another catalog shape:
--   CREATE OR REPLACE VIEW personality_product_features AS SELECT ... ;
-- (same column names and types). It is created when the host's products table is
-- linked (at install, or later by the event trigger).
-- The built-in type of a column (its pg_catalog type name, domains resolved to their
-- base type), or NULL when the column is missing or of a type outside pg_catalog.
CREATE FUNCTION _personality_column_type(p_table regclass, p_column name) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- (PL/pgSQL: it keeps its plan for the session; a SQL function with SET is planned
    -- again on every call, and this one runs on every recommendation.)
    RETURN (
        WITH RECURSIVE ty(oid, depth) AS (
            SELECT a.atttypid, 0 FROM pg_catalog.pg_attribute a
             WHERE a.attrelid OPERATOR(pg_catalog.=) p_table AND a.attname OPERATOR(pg_catalog.=) p_column
               AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
            UNION ALL
            SELECT d.typbasetype, ty.depth OPERATOR(pg_catalog.+) 1
              FROM ty JOIN pg_catalog.pg_type d ON d.oid OPERATOR(pg_catalog.=) ty.oid
             WHERE d.typtype OPERATOR(pg_catalog.=) 'd' AND ty.depth OPERATOR(pg_catalog.<) 16)
        SELECT CASE WHEN t.typtype OPERATOR(pg_catalog.=) 'e' THEN 'enum'
                    WHEN t.typnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
                    THEN t.typname::pg_catalog.text END
          FROM ty JOIN pg_catalog.pg_type t ON t.oid OPERATOR(pg_catalog.=) ty.oid
         WHERE t.typtype OPERATOR(pg_catalog.<>) 'd'
         LIMIT 1);
END;
$$;
COMMENT ON FUNCTION _personality_column_type(regclass, name) IS
  'Internal: the pg_catalog type name of a column (a domain''s base type; ''enum'' for enums), or NULL when missing or of another type.';

CREATE FUNCTION _personality_product_features_sql(p_products regclass) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cols text[];
    v_categories regclass := @extschema@._personality_host_table('categories');
    v_category text := 'NULL::pg_catalog.text';
    v_tags text := '''{}''::pg_catalog.text[]';
    v_price text := 'NULL::pg_catalog.numeric';
    v_active text := 'true';
    v_tags_type regtype;
    v_price_col text;
BEGIN
    -- Only columns of built-in types are read: the view runs inside owner-privileged
    -- code (refreshing vectors), and a cast of a caller's type could run the caller's
    -- function there. Other shapes are left out with a WARNING (the install goes on).
    SELECT array_agg(attname::text) INTO v_cols
      FROM pg_attribute WHERE attrelid = p_products AND attnum > 0 AND NOT attisdropped;
    IF 'category_id' = ANY (v_cols) AND v_categories IS NOT NULL
       AND @extschema@._personality_column_type(p_products, 'category_id') = 'uuid'
       AND @extschema@._personality_column_type(v_categories, 'id') = 'uuid'
       AND @extschema@._personality_column_type(v_categories, 'slug') IN ('text', 'varchar', 'bpchar', 'name') THEN
        v_category := format('(SELECT c.slug::pg_catalog.text FROM %s c WHERE c.id OPERATOR(pg_catalog.=) p.category_id)', v_categories);
    ELSIF 'category' = ANY (v_cols) THEN
        IF @extschema@._personality_column_type(p_products, 'category') IN ('text', 'varchar', 'bpchar', 'name') THEN
            v_category := 'p.category::pg_catalog.text';
        ELSE
            RAISE WARNING 'personality_ext: products.category is of type %, not text: products get no category',
                @extschema@._personality_column_type(p_products, 'category')
                USING HINT = 'Replace the view personality_product_features with your own definition.';
        END IF;
    END IF;
    IF 'tags' = ANY (v_cols) THEN
        v_tags_type := (SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = p_products AND attname = 'tags');
        IF v_tags_type = 'pg_catalog.jsonb'::regtype THEN
            v_tags := 'ARRAY(SELECT pg_catalog.jsonb_array_elements_text(CASE WHEN pg_catalog.jsonb_typeof(p.tags) OPERATOR(pg_catalog.=) ''array'' THEN p.tags ELSE ''[]''::pg_catalog.jsonb END))';
        ELSIF v_tags_type IN ('pg_catalog.text[]'::regtype, 'pg_catalog.varchar[]'::regtype) THEN
            v_tags := 'coalesce(p.tags::pg_catalog.text[], ''{}''::pg_catalog.text[])';
        ELSE
            RAISE WARNING 'personality_ext: products.tags is of type %, not text[] or jsonb: products get no tags', v_tags_type
                USING HINT = 'Replace the view personality_product_features with your own definition.';
        END IF;
    END IF;
    IF 'price' = ANY (v_cols) OR 'price_min' = ANY (v_cols) THEN
        v_price_col := CASE WHEN 'price' = ANY (v_cols) THEN 'price' ELSE 'price_min' END;
        IF @extschema@._personality_column_type(p_products, v_price_col) IN ('numeric', 'int2', 'int4', 'int8', 'float4', 'float8') THEN
            v_price := format('p.%I::pg_catalog.numeric', v_price_col);
        ELSE
            RAISE WARNING 'personality_ext: products.% is of type %, not a number: products get no price',
                v_price_col, @extschema@._personality_column_type(p_products, v_price_col)
                USING HINT = 'Replace the view personality_product_features with your own definition.';
        END IF;
    END IF;
    IF 'is_active' = ANY (v_cols) THEN
        IF @extschema@._personality_column_type(p_products, 'is_active') = 'bool' THEN
            v_active := 'coalesce(p.is_active, true)';
        ELSE
            RAISE WARNING 'personality_ext: products.is_active is of type %, not boolean: every product counts as active',
                @extschema@._personality_column_type(p_products, 'is_active')
                USING HINT = 'Replace the view personality_product_features with your own definition.';
        END IF;
    END IF;
    RETURN format(
        'SELECT p.id AS product_id, %s AS category, %s AS tags, %s AS price, %s AS is_active FROM %s p',
        v_category, v_tags, v_price, v_active, p_products);
END;
$$;
COMMENT ON FUNCTION _personality_product_features_sql(regclass) IS
  'Internal: the SELECT behind personality_product_features for the host''s products shape (category via categories.slug or products.category, tags, price or price_min, is_active).';

-- The products adapter view, when it can be trusted: a member of the extension, or
-- owned by a trusted role (a superuser, one named in personality.trusted_roles, or a
-- member of the extension's owner). Owner code reads it (refreshing vectors, the swipe
-- trigger), so a view someone else planted under that name would run their functions
-- with the owner's rights: it is ignored with a WARNING.
CREATE FUNCTION _personality_features_view() RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_view regclass := to_regclass('@extschema@.personality_product_features');
    v_owner oid;
    v_ext pg_extension;
BEGIN
    IF v_view IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v_ext FROM pg_extension WHERE extname = 'personality_ext';
    IF EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = v_view AND d.deptype = 'e'
                  AND d.refclassid = 'pg_extension'::regclass AND d.refobjid = v_ext.oid) THEN
        RETURN v_view;
    END IF;
    SELECT c.relowner INTO v_owner FROM pg_class c WHERE c.oid = v_view;
    IF @extschema@._personality_trusted_owner(v_owner) OR pg_has_role(v_owner, v_ext.extowner, 'USAGE') THEN
        RETURN v_view;
    END IF;
    RAISE WARNING 'personality_ext: ignoring % owned by %: not created by the extension or a trusted role', v_view, v_owner::regrole
        USING HINT = 'Drop it; the extension re-creates the adapter (or a superuser creates it).';
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_features_view() IS
  'Internal: the products adapter view personality_product_features when it belongs to the extension or a trusted role owns it; NULL (with a WARNING) otherwise.';

CREATE FUNCTION _personality_create_product_features() RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_products regclass := @extschema@._personality_host_table('products');
BEGIN
    IF v_products IS NULL OR to_regclass('@extschema@.personality_product_features') IS NOT NULL THEN
        PERFORM @extschema@._personality_features_view();  -- warns about a planted one
        RETURN false;
    END IF;
    BEGIN
        EXECUTE format('CREATE VIEW @extschema@.personality_product_features AS %s',
                       @extschema@._personality_product_features_sql(v_products));
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'personality_ext: cannot build the products adapter for %: %', v_products, SQLERRM
            USING HINT = 'CREATE VIEW personality_product_features AS SELECT ... (product_id, category, tags, price, is_active); then SELECT personality_attach_catalog();';
        RETURN false;
    END;
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

-- Attaching the learning trigger to a swipe table. _personality_attach does it
-- without asking who calls (install, the event trigger); personality_attach_behavior
-- checks the caller first.
CREATE FUNCTION _personality_attach(p_table regclass, p_direction_column name, p_for_each text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning  -- no "trigger does not exist, skipping"
AS $$
DECLARE
    v_col name := p_direction_column;
    v_missing text[];
    v_rel record;
BEGIN
    SELECT c.relkind, c.relpersistence INTO v_rel FROM pg_class c WHERE c.oid = p_table;
    IF v_rel.relpersistence = 't' THEN
        RAISE EXCEPTION 'cannot attach personality learning to temporary table %', p_table
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'Learning is shared by every session; a temporary table lives in one.';
    ELSIF v_rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'cannot attach personality learning to %: not a table', p_table
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Attach it to the table the swipes are inserted into.';
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
    -- Built-in types only: the trigger reads these columns with the owner's rights, and
    -- a cast of a caller's type would run the caller's function.
    IF @extschema@._personality_column_type(p_table, 'user_id') IS DISTINCT FROM 'uuid'
       OR @extschema@._personality_column_type(p_table, 'product_id') IS DISTINCT FROM 'uuid' THEN
        RAISE EXCEPTION 'table %: user_id and product_id must be of type uuid', p_table
            USING ERRCODE = 'datatype_mismatch';
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
    IF coalesce(@extschema@._personality_column_type(p_table, v_col), '') NOT IN ('text', 'varchar', 'bpchar', 'name', 'enum') THEN
        RAISE EXCEPTION 'table %: direction column % must be text, varchar, char or an enum', p_table, v_col
            USING ERRCODE = 'datatype_mismatch';
    END IF;
    IF p_for_each IS NULL OR p_for_each NOT IN ('row', 'statement') THEN
        RAISE EXCEPTION 'invalid trigger level: %', coalesce(quote_literal(p_for_each), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''row'' (every swipe on its own: the default) or ''statement'' (set-based, for bulk loads).';
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
COMMENT ON FUNCTION _personality_attach(regclass, name, text) IS
  'Internal: attaches the learning trigger to a permanent table with uuid user_id and product_id and a text or enum direction column, without checking the caller. Use personality_attach_behavior().';

-- Whether the calling role may attach learning to (or detach it from) p_table: it
-- must be trusted (learning is written for any user id the table holds) and own the
-- table (or be a superuser).
CREATE FUNCTION _personality_may_attach(p_table regclass) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN @extschema@._personality_caller_is_trusted()
       AND coalesce(pg_has_role(@extschema@._personality_calling_role(),
                                (SELECT c.relowner FROM pg_class c WHERE c.oid = p_table), 'USAGE'), false);
END;
$$;
COMMENT ON FUNCTION _personality_may_attach(regclass) IS
  'Internal: true when the calling role is trusted (superuser, service_role, owner of the personality tables) and owns the table.';

CREATE FUNCTION personality_attach_behavior(p_table regclass, p_direction_column name, p_for_each text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT @extschema@._personality_may_attach(p_table) THEN
        RAISE EXCEPTION 'permission denied to attach personality learning to %', p_table
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The owner of the table attaches it, and only when it is also trusted (superuser, service_role, the owner of the personality tables): learning is written for every user id the table holds.';
    END IF;
    RETURN @extschema@._personality_attach(p_table, p_direction_column, p_for_each);
END;
$$;
COMMENT ON FUNCTION personality_attach_behavior(regclass, name, text) IS
  'Attaches behaviour learning to a swipe table as trigger update_personality_from_swipes AFTER INSERT, FOR EACH ROW (p_for_each ''row'') or FOR EACH STATEMENT with a transition table (''statement'': the same learning, set-based, faster for bulk loads, slower for single-row inserts). For trusted roles that own the table (42501 otherwise); permanent tables only (42809); user_id and product_id uuid, direction text, varchar, char or enum (42804); 42703 names a missing column; 22023 for another level. Example: SELECT personality_attach_behavior(''swipes'', ''direction'', ''statement'');';

CREATE FUNCTION personality_attach_behavior(p_table regclass, p_direction_column name DEFAULT NULL)
RETURNS text
LANGUAGE sql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT @extschema@.personality_attach_behavior(p_table, p_direction_column, 'row'::pg_catalog.text)
$$;
COMMENT ON FUNCTION personality_attach_behavior(regclass, name) IS
  'Attaches behaviour learning (trigger update_personality_from_swipes AFTER INSERT FOR EACH ROW) to a swipe table with user_id, product_id and a direction column (direction or swipe_direction unless named). 42703 names a missing column. Example: SELECT personality_attach_behavior(''swipe_interactions''); For bulk loads see personality_attach_behavior(table, column, ''statement'').';

CREATE FUNCTION personality_detach_behavior(p_table regclass) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT @extschema@._personality_may_attach(p_table) THEN
        RAISE EXCEPTION 'permission denied to detach personality learning from %', p_table
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = p_table AND tgname = 'update_personality_from_swipes'
                     AND tgfoid IN ('@extschema@.update_personality_from_behavior()'::regprocedure,
                                    '@extschema@.update_personality_from_behavior_bulk()'::regprocedure)) THEN
        RETURN false;
    END IF;
    EXECUTE format('DROP TRIGGER update_personality_from_swipes ON %s', p_table);
    RETURN true;
END;
$$;
COMMENT ON FUNCTION personality_detach_behavior(regclass) IS
  'Removes behaviour learning from a swipe table; returns false when it was not attached. For trusted roles that own the table (42501 otherwise).';

CREATE VIEW personality_swipe_tables AS
SELECT t.tgrelid::regclass AS swipe_table,
       convert_from(substring(t.tgargs from 1 for greatest(length(t.tgargs) - 1, 0)), 'UTF8')::name AS direction_column,
       t.tgenabled <> 'D' AS enabled,
       CASE WHEN t.tgtype & 1 = 1 THEN 'row' ELSE 'statement' END AS for_each
  FROM pg_trigger t
 WHERE t.tgname = 'update_personality_from_swipes'
   AND t.tgfoid IN ('@extschema@.update_personality_from_behavior()'::regprocedure,
                    '@extschema@.update_personality_from_behavior_bulk()'::regprocedure);
COMMENT ON VIEW personality_swipe_tables IS
  'The swipe tables behaviour learning is attached to, with their direction column and trigger level (row, or statement for bulk loads).';

-- Nobody but the owner may attach the trigger functions to a table of their own
-- (EXECUTE is revoked from PUBLIC in finalize.sql).
-- They write profiles for the swiping user even when that user may not (RLS, grants),
-- under a fixed search_path: the swiping session's own must not resolve any name.
ALTER FUNCTION update_personality_from_behavior() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION update_personality_from_behavior_bulk() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
-- Index lookups only. The learning statements read and write one user's rows through
-- plans each backend prepares once and keeps. A plan made while a table was nearly
-- empty (a new install, right after a TRUNCATE) scanned the whole table on every swipe
-- once it had grown: measured, 2 to 3 times the CPU of a swipe. The functions that run
-- those statements plan them without sequential scans (a statement with no usable index
-- still scans). The statement-level trigger keeps the default: its set-based statements
-- join whole batches, where a scan can be the better plan.
ALTER FUNCTION update_personality_from_behavior() SET enable_seqscan = off;
ALTER FUNCTION _personality_sync_profiles(uuid) SET enable_seqscan = off;
ALTER FUNCTION _personality_assessment(text, int, text, text) SET enable_seqscan = off;
COMMENT ON FUNCTION update_personality_from_behavior_bulk() IS
  'Statement-level trigger function: the learning of update_personality_from_behavior() for every row of an INSERT (transition table personality_new_swipes), computed with a few set-based statements: the same learning states, profiles, history rows and recommendation marks as row by row. Faster for bulk loads. Attach with personality_attach_behavior(table, column, ''statement'').';
COMMENT ON FUNCTION update_personality_from_behavior() IS
  'Trigger function (seed contract): learns from each inserted swipe (right like, up strong like, left dislike, down neutral) by moving the user''s trait scores toward or away from the product''s traits at personality.learning_rate; never fails the swipe. Attach with personality_attach_behavior().';
