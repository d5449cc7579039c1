-- Linking the extension's tables to the host application's profiles(id) and products(id).
--
-- Why this is not inline REFERENCES (README "Backups and restores"): pg_restore runs
-- CREATE EXTENSION before it creates the host's tables, and pg_dump does not dump
-- constraints of extension tables. So the foreign keys are added by
-- _personality_link_host(): at install when the host tables are there, and otherwise
-- by the event trigger personality_link_host_on_ddl as soon as the host's tables have
-- a primary key or unique index on id (during a restore, that is the moment pg_restore
-- adds profiles_pkey / products_pkey, after all rows are loaded).

-- Rust (src/guc.rs), read by the functions below.
COMMENT ON FUNCTION _personality_setting(text) IS
  'Internal: the value of a superuser-only setting of the extension (personality.host_schema, personality.trusted_roles), read through the library so that it is always defined.';

-- While CREATE EXTENSION runs, the event trigger below stays quiet (finalize.sql links).
SELECT pg_catalog.set_config('personality.installing', 'on', true);

-- Where the host tables live: personality.host_schema (superuser-only) when set, else
-- the extension's own schema, else public; permanent tables only (not views). Not the session's search_path: CREATE EXTENSION and
-- pg_restore both run with a search_path of their own.
CREATE FUNCTION _personality_host_table(p_name text) RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_schema text;
    v_rel regclass;
BEGIN
    FOREACH v_schema IN ARRAY ARRAY[
        @extschema@._personality_setting('personality.host_schema'),
        '@extschema@',
        'public']
    LOOP
        CONTINUE WHEN v_schema IS NULL;
        v_rel := to_regclass(quote_ident(v_schema) || '.' || quote_ident(p_name));
        -- only a permanent table: a view would run its functions inside owner code
        IF v_rel IS NOT NULL AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = v_rel
                                           AND c.relkind IN ('r', 'p') AND c.relpersistence <> 't') THEN
            RETURN v_rel;
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_host_table(text) IS
  'Internal: the host table (a permanent table, not a view) of that name in personality.host_schema, the extension schema or public (first found), or NULL.';

-- State of each foreign key to a host table: 'linked', 'missing table', 'no unique id', ...
CREATE FUNCTION personality_host_status()
RETURNS TABLE(constraint_name name, table_name regclass, column_name name,
              host_table text, host_table_found regclass, status text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    v_host regclass;
    v_type regtype;
BEGIN
    FOR r IN
        SELECT * FROM (VALUES
            ('personality_profiles_user_id_fkey'::name, '@extschema@.personality_profiles'::regclass, 'user_id'::name, 'profiles'),
            ('personality_assessment_history_user_id_fkey', '@extschema@.personality_assessment_history'::regclass, 'user_id', 'profiles'),
            ('personality_recommendations_user_id_fkey', '@extschema@.personality_recommendations'::regclass, 'user_id', 'profiles'),
            ('personality_recommendations_product_id_fkey', '@extschema@.personality_recommendations'::regclass, 'product_id', 'products'),
            -- between the extension's own tables: added with the host links, so that
            -- pg_restore -j can load the data of these tables in any order
            ('personality_recommendations_personality_profile_id_fkey', '@extschema@.personality_recommendations'::regclass, 'personality_profile_id', 'personality_profiles(id)'),
            ('personality_learning_state_user_id_fkey', '@extschema@.personality_learning_state'::regclass, 'user_id', 'personality_profiles(user_id)')
        ) AS v(c, t, col, host)
    LOOP
        constraint_name := r.c;
        table_name := r.t;
        column_name := r.col;
        host_table := r.host;
        IF r.host LIKE 'personality\_profiles(%' THEN
            host_table_found := '@extschema@.personality_profiles'::regclass;
            IF EXISTS (SELECT 1 FROM pg_constraint
                       WHERE conrelid = r.t AND conname = r.c AND contype = 'f') THEN
                status := 'linked';
            ELSIF NOT EXISTS (
                -- the host's profiles with its unique id: during a restore, only after
                -- every row is loaded (pg_restore creates primary keys post-data)
                SELECT 1 FROM pg_index i
                 WHERE i.indrelid = @extschema@._personality_host_table('profiles')
                   AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
                   AND i.indnkeyatts = 1
                   AND i.indkey[0] = (SELECT a.attnum FROM pg_attribute a
                                       WHERE a.attrelid = i.indrelid AND a.attname = 'id')) THEN
                status := 'waiting for profiles';
            ELSE
                status := 'ready';
            END IF;
            RETURN NEXT;
            CONTINUE;
        END IF;
        v_host := @extschema@._personality_host_table(r.host);
        host_table_found := v_host;
        IF EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = r.t AND conname = r.c AND contype = 'f') THEN
            status := 'linked';
        ELSIF v_host IS NULL THEN
            status := 'missing table';
        ELSE
            SELECT a.atttypid::regtype INTO v_type
              FROM pg_attribute a
             WHERE a.attrelid = v_host AND a.attname = 'id' AND NOT a.attisdropped;
            IF v_type IS NULL THEN
                status := 'no id column';
            ELSIF v_type <> 'uuid'::regtype THEN
                status := format('id is %s, not uuid', v_type);
            ELSIF NOT EXISTS (
                SELECT 1 FROM pg_index i
                 WHERE i.indrelid = v_host AND i.indisunique AND i.indisvalid
                   AND i.indpred IS NULL AND i.indexprs IS NULL
                   AND i.indnkeyatts = 1
                   AND i.indkey[0] = (SELECT attnum FROM pg_attribute
                                       WHERE attrelid = v_host AND attname = 'id')) THEN
                status := 'no unique index on id';
            ELSE
                status := 'ready';
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION personality_host_status() IS
  'One row per foreign key from the personality tables to the host tables profiles(id) / products(id), and between the personality tables (added together with the host links): linked, ready (will be linked), or why not (missing table, no id column, id not uuid, no unique index on id, waiting for profiles).';

-- Adds every foreign key whose host table is ready. Returns the names it added.
-- p_strict: raise on a host table of the wrong shape (used at install) instead of
-- skipping it (used from the event trigger, which must never break the host's DDL).
CREATE FUNCTION _personality_link_host(p_strict boolean DEFAULT false)
RETURNS name[]
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER  -- also called from the event trigger, by whoever runs the DDL
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    v_added name[] := '{}';
BEGIN
    PERFORM set_config('personality.linking', 'on', true);
    FOR r IN SELECT * FROM @extschema@.personality_host_status() LOOP
        IF r.status = 'ready' THEN
            EXECUTE format(
                'ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %s(%I) ON DELETE CASCADE',
                r.table_name, r.constraint_name, r.column_name, r.host_table_found,
                CASE WHEN r.host_table = 'personality_profiles(user_id)' THEN 'user_id' ELSE 'id' END);
            v_added := v_added || r.constraint_name;
        ELSIF p_strict AND r.status NOT IN ('linked', 'missing table', 'no unique index on id', 'waiting for profiles') THEN
            RAISE EXCEPTION 'personality_ext: host table % is not usable: %', r.host_table_found, r.status
                USING ERRCODE = 'invalid_table_definition',
                      DETAIL = format('%s.%s must reference %s(id uuid) with a primary key or unique index on id.',
                                      r.table_name, r.column_name, r.host_table),
                      HINT = format('Fix %s so that id is a uuid primary key, then CREATE EXTENSION personality_ext again.', r.host_table_found);
        END IF;
    END LOOP;
    -- The products adapter view, once there are products.
    PERFORM @extschema@._personality_create_product_features();
    -- Products linked after the install (a restore: their rows are loaded now, and the
    -- product vectors are derived, not dumped): compute every vector.
    IF NOT p_strict AND 'personality_recommendations_product_id_fkey' = ANY (v_added) THEN
        PERFORM @extschema@._personality_refresh_vectors(NULL);
    END IF;
    PERFORM set_config('personality.linking', '', true);
    RETURN v_added;
END;
$$;
COMMENT ON FUNCTION _personality_link_host(boolean) IS
  'Internal: adds the foreign keys from the personality tables to profiles(id) / products(id) that are missing and whose host table is ready; returns their names.';

-- Public entry point for operators: link now and say what is still missing.
CREATE FUNCTION personality_link_host() RETURNS TABLE(constraint_name name, status text)
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@._personality_require_trusted('link the host tables');
    PERFORM @extschema@._personality_link_host(true);
    RETURN QUERY SELECT s.constraint_name, s.status FROM @extschema@.personality_host_status() s;
END;
$$;
COMMENT ON FUNCTION personality_link_host() IS
  'Adds any missing foreign keys to the host tables profiles(id) / products(id) now and reports the state of each. Normally not needed: the event trigger personality_link_host_on_ddl does this when the host tables appear.';

-- Triggers on host tables that run our trigger function die with the extension:
-- their dependency on the function is made automatic ('a'), so DROP EXTENSION removes
-- them without CASCADE and leaves the tables alone.
CREATE FUNCTION _personality_adopt_triggers() RETURNS integer
LANGUAGE sql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH fixed AS (
        UPDATE pg_depend d SET deptype = 'a'
          FROM pg_trigger t
         WHERE d.classid = 'pg_trigger'::regclass AND d.objid = t.oid
           AND d.refclassid = 'pg_proc'::regclass AND d.refobjid = t.tgfoid
           AND d.deptype = 'n'
           AND t.tgfoid IN (SELECT objid FROM pg_depend e
                             WHERE e.classid = 'pg_proc'::regclass AND e.deptype = 'e'
                               AND e.refclassid = 'pg_extension'::regclass
                               AND e.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'personality_ext'))
        RETURNING 1)
    SELECT count(*)::int FROM fixed
$$;
COMMENT ON FUNCTION _personality_adopt_triggers() IS
  'Internal: makes the dependency of host-table triggers on the extension''s trigger functions automatic, so DROP EXTENSION removes those triggers (and nothing else).';

CREATE FUNCTION _personality_link_host_on_ddl() RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- runs for anyone's DDL; the internals it calls are not granted to PUBLIC
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_added name[];
    v_swipes regclass;
BEGIN
    -- Nothing to do (the common case: one catalog probe), or we are the DDL ourselves.
    IF current_setting('personality.linking', true) = 'on'
       OR current_setting('personality.installing', true) = 'on' THEN
        RETURN;  -- our own DDL (CREATE EXTENSION links once, at its end)
    END IF;
    IF tg_tag = 'CREATE TRIGGER' THEN
        -- e.g. pg_restore re-creating update_personality_from_swipes on the host's table
        PERFORM @extschema@._personality_adopt_triggers();
    END IF;
    -- A swipes table created after the extension learns, like the foreign keys link.
    -- Not while a dump is restored (pg_dump's scripts turn check_function_bodies off):
    -- the dump re-creates the trigger itself, after the swipes it already learnt.
    IF tg_tag = 'CREATE TABLE' AND current_setting('check_function_bodies') = 'on' THEN
        v_swipes := @extschema@._personality_host_table('swipes');
        IF v_swipes IS NOT NULL
           AND v_swipes IN (SELECT c.objid FROM pg_event_trigger_ddl_commands() c)
           AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = v_swipes
                             AND t.tgname = 'update_personality_from_swipes') THEN
            BEGIN
                RAISE NOTICE 'personality_ext: %', @extschema@._personality_attach(v_swipes, NULL, 'row');
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'personality_ext: not learning from new table %: %', v_swipes, SQLERRM
                    USING HINT = 'SELECT personality_attach_behavior(''swipes'', ''<direction column>'');';
            END;
        END IF;
    END IF;
    IF (SELECT count(*) FROM pg_constraint
         WHERE contype = 'f'
           AND conrelid IN ('@extschema@.personality_profiles'::regclass,
                            '@extschema@.personality_assessment_history'::regclass,
                            '@extschema@.personality_recommendations'::regclass,
                            '@extschema@.personality_learning_state'::regclass)
           AND conname IN ('personality_profiles_user_id_fkey',
                           'personality_assessment_history_user_id_fkey',
                           'personality_recommendations_user_id_fkey',
                           'personality_recommendations_product_id_fkey',
                           'personality_recommendations_personality_profile_id_fkey',
                           'personality_learning_state_user_id_fkey')) = 6 THEN
        RETURN;
    END IF;
    BEGIN
        v_added := @extschema@._personality_link_host(false);
        IF cardinality(v_added) > 0 THEN
            RAISE NOTICE 'personality_ext: linked to host tables: %', array_to_string(v_added, ', ');
        END IF;
    EXCEPTION WHEN OTHERS THEN
        -- Never fail the host's DDL (or a restore) because of us.
        PERFORM set_config('personality.linking', '', true);
        RAISE WARNING 'personality_ext: could not link to host tables yet: %', SQLERRM
            USING HINT = 'SELECT * FROM personality_host_status(); then SELECT * FROM personality_link_host();';
    END;
END;
$$;
COMMENT ON FUNCTION _personality_link_host_on_ddl() IS
  'Internal event trigger function: adds the foreign keys to profiles(id) / products(id) once those host tables exist with a unique id (after a restore, when their primary keys are created).';

CREATE EVENT TRIGGER personality_link_host_on_ddl ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE INDEX', 'CREATE TABLE AS', 'SELECT INTO',
                 'CREATE TRIGGER')
    EXECUTE FUNCTION _personality_link_host_on_ddl();
COMMENT ON EVENT TRIGGER personality_link_host_on_ddl IS
  'Adds the personality tables'' foreign keys to profiles(id) / products(id) when those host tables appear or get their primary key (e.g. during pg_restore).';
