-- The products adapter view personality_product_features and the functions that build
-- and check it (README "Adapting to your catalog"). Owner code reads it: refreshing
-- product vectors, and the swipe trigger for products without a vector.

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
DECLARE
    v_type pg_catalog.oid;
    v_t record;
BEGIN
    -- (PL/pgSQL: it keeps its plans for the session; a SQL function with SET is
    -- planned again on every call, and this one runs on every recommendation. Two
    -- index lookups per step, not a recursive query: that one joined pg_type whole,
    -- 8x the time.)
    SELECT a.atttypid INTO v_type FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) p_table AND a.attname OPERATOR(pg_catalog.=) p_column
       AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
    -- a domain's base type, then its base type ...: at most 16 domains deep
    FOR i IN 0..16 LOOP
        SELECT t.typtype, t.typbasetype, t.typnamespace, t.typname INTO v_t
          FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) v_type;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
        IF v_t.typtype OPERATOR(pg_catalog.<>) 'd' THEN
            RETURN CASE WHEN v_t.typtype OPERATOR(pg_catalog.=) 'e' THEN 'enum'
                        WHEN v_t.typnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
                        THEN v_t.typname::pg_catalog.text END;
        END IF;
        v_type := v_t.typbasetype;
    END LOOP;
    RETURN NULL;
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
