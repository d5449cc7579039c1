-- Learning from swipes: attaching the swipe trigger to the host's swipe tables, and the
-- settings of the trigger functions (README "Behaviour learning"). The trigger functions
-- themselves are Rust (src/learning/), the learning state in sql/learning.sql.

-- The n-th argument of a trigger (pg_trigger.tgargs: NUL-terminated strings in the
-- server encoding), NULL when it has fewer.
CREATE FUNCTION _personality_trigger_arg(p_args bytea, p_n int) RETURNS name
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rest pg_catalog.bytea := p_args;
    v_pos pg_catalog.int4;
BEGIN
    IF p_args IS NULL OR p_n IS NULL OR p_n OPERATOR(pg_catalog.<) 1 OR p_n OPERATOR(pg_catalog.>) 100 THEN
        RETURN NULL;
    END IF;
    FOR i IN 1..p_n LOOP
        v_pos := pg_catalog.position(v_rest, '\x00'::pg_catalog.bytea);
        IF v_pos OPERATOR(pg_catalog.=) 0 THEN
            RETURN NULL;
        END IF;
        IF i OPERATOR(pg_catalog.=) p_n THEN
            RETURN pg_catalog.convert_from(pg_catalog.substr(v_rest, 1, v_pos OPERATOR(pg_catalog.-) 1),
                                           pg_catalog.getdatabaseencoding()::pg_catalog.name)::pg_catalog.name;
        END IF;
        v_rest := pg_catalog.substr(v_rest, v_pos OPERATOR(pg_catalog.+) 1);
    END LOOP;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_trigger_arg(bytea, int) IS
  'Internal: the n-th argument of a trigger from pg_trigger.tgargs (NULL when it has fewer); personality_swipe_tables reads the direction column (1) and the time column named at attach (2).';

-- The column that dates the swipes of a table, for the model's refresh: the one named
-- when attaching, else created_at, else swipe_timestamp, else the single timestamptz
-- column (else the single timestamp column); of type timestamptz, timestamp or date.
-- NULL: the table has none (the refresh reads it whole; personality_refresh_model).
CREATE FUNCTION _personality_time_column(p_table regclass, p_named name) RETURNS name
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_col pg_catalog.name;
BEGIN
    -- One catalog query (personality_swipe_tables calls it on every recommendation),
    -- no other function of the extension (the view runs it with the rights of whoever
    -- reads it). A domain counts as its base type (one level).
    SELECT x.attname INTO v_col
      FROM (SELECT a.attname, y.t, pg_catalog.count(*) OVER (PARTITION BY y.t) AS n
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) a.atttypid
             CROSS JOIN LATERAL (SELECT CASE WHEN ty.typtype OPERATOR(pg_catalog.=) 'd'::pg_catalog."char"
                                             THEN ty.typbasetype ELSE a.atttypid END AS t) y
             WHERE a.attrelid OPERATOR(pg_catalog.=) p_table AND a.attnum OPERATOR(pg_catalog.>) 0
               AND NOT a.attisdropped) x
     WHERE x.t OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.timestamptz'::pg_catalog.regtype,
                                                  'pg_catalog.timestamp'::pg_catalog.regtype,
                                                  'pg_catalog.date'::pg_catalog.regtype]::pg_catalog.oid[])
       AND (p_named IS NULL OR x.attname OPERATOR(pg_catalog.=) p_named)
       AND (p_named IS NOT NULL
            OR x.attname OPERATOR(pg_catalog.=) ANY ('{created_at,swipe_timestamp}'::pg_catalog.name[])
            OR (x.n OPERATOR(pg_catalog.=) 1 AND x.t OPERATOR(pg_catalog.<>) 'pg_catalog.date'::pg_catalog.regtype::pg_catalog.oid))
     ORDER BY CASE WHEN x.attname OPERATOR(pg_catalog.=) 'created_at'::pg_catalog.name THEN 0
                   WHEN x.attname OPERATOR(pg_catalog.=) 'swipe_timestamp'::pg_catalog.name THEN 1
                   WHEN x.t OPERATOR(pg_catalog.=) 'pg_catalog.timestamptz'::pg_catalog.regtype::pg_catalog.oid THEN 2
                   ELSE 3 END
     LIMIT 1;
    RETURN v_col;
END;
$$;
COMMENT ON FUNCTION _personality_time_column(regclass, name) IS
  'Internal: the column dating the swipes of a swipe table for personality_refresh_model: p_named when given (NULL if it is not a timestamptz, timestamp or date column), else created_at, else swipe_timestamp, else the only timestamptz column, else the only timestamp column; NULL when there is none.';

-- Attaching the learning trigger to a swipe table. _personality_attach does it
-- without asking who calls (install, the event trigger); personality_attach_behavior
-- checks the caller first.
CREATE FUNCTION _personality_attach(p_table regclass, p_direction_column name, p_for_each text,
                                    p_time_column name)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning  -- no "trigger does not exist, skipping"
AS $$
DECLARE
    v_col name := p_direction_column;
    v_time name;
    v_missing text[];
    v_rel record;
    v_why text;
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
    -- The column dating the swipes (the model's refresh reads it): named, or detected.
    IF p_time_column IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = p_table AND attname = p_time_column
                          AND NOT attisdropped AND attnum > 0) THEN
            RAISE EXCEPTION 'table % has no column %', p_table, p_time_column USING ERRCODE = 'undefined_column';
        ELSIF @extschema@._personality_time_column(p_table, p_time_column) IS NULL THEN
            RAISE EXCEPTION 'table %: time column % must be timestamptz, timestamp or date', p_table, p_time_column
                USING ERRCODE = 'datatype_mismatch';
        END IF;
    END IF;
    v_time := @extschema@._personality_time_column(p_table, p_time_column);
    IF p_for_each IS NULL OR p_for_each NOT IN ('row', 'statement') THEN
        RAISE EXCEPTION 'invalid trigger level: %', coalesce(quote_literal(p_for_each), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''row'' (every swipe on its own: the default) or ''statement'' (set-based, for bulk loads).';
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS update_personality_from_swipes ON %s', p_table);
    EXECUTE format('DROP TRIGGER IF EXISTS personality_swipes_batch ON %s', p_table);
    -- the time column, when named, is the trigger's second argument (personality_swipe_tables)
    IF p_for_each = 'row' THEN
        EXECUTE format('CREATE TRIGGER update_personality_from_swipes AFTER INSERT ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION @extschema@.update_personality_from_behavior(%L%s)',
                       p_table, v_col, CASE WHEN p_time_column IS NOT NULL THEN format(', %L', p_time_column) ELSE '' END);
        -- loads the library before the row triggers fire (src/learning/batch.rs)
        EXECUTE format('CREATE TRIGGER personality_swipes_batch BEFORE INSERT ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._personality_swipes_batch()', p_table);
        EXECUTE format('COMMENT ON TRIGGER personality_swipes_batch ON %s IS %L', p_table,
                       'personality_ext: loads the learning library before a statement''s swipes are learnt, so that a bulk INSERT is learnt in one batch.');
    ELSE
        EXECUTE format('CREATE TRIGGER update_personality_from_swipes AFTER INSERT ON %s '
                       'REFERENCING NEW TABLE AS personality_new_swipes '
                       'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.update_personality_from_behavior_bulk(%L%s)',
                       p_table, v_col, CASE WHEN p_time_column IS NOT NULL THEN format(', %L', p_time_column) ELSE '' END);
    END IF;
    EXECUTE format('COMMENT ON TRIGGER update_personality_from_swipes ON %s IS %L', p_table,
                   'personality_ext: every inserted swipe teaches the user''s personality profile (direction column '
                   || v_col || CASE WHEN p_for_each = 'statement' THEN ', learnt per statement' ELSE '' END || ').');
    -- The trigger belongs to the host's table but dies with the extension.
    PERFORM @extschema@._personality_adopt_triggers();
    -- What the collaborative model will not read, or not fully, said now (issue 21).
    IF v_time IS NULL THEN
        RAISE WARNING 'personality_ext: table % has no time column: the model reads it whole on every refresh and counts every swipe as made at the refresh (no popularity decay; a change in its number of swipes rebuilds the model in full)', p_table
            USING HINT = format('Name its time column: SELECT personality_attach_behavior(%L, %L, %L, ''<column>'');',
                                p_table::text, v_col, p_for_each);
    END IF;
    FOR v_why IN SELECT i.warning FROM @extschema@._personality_model_inputs() i
                  WHERE i.swipe_table = p_table::oid AND i.warning IS NOT NULL LOOP
        RAISE WARNING 'personality_ext: %', v_why;
    END LOOP;
    RETURN format('attached to %s (direction column %s%s%s)', p_table, v_col,
                  CASE WHEN v_time IS NOT NULL THEN format(', time column %s', v_time) ELSE ', no time column' END,
                  CASE WHEN p_for_each = 'statement' THEN ', per statement' ELSE '' END);
END;
$$;
COMMENT ON FUNCTION _personality_attach(regclass, name, text, name) IS
  'Internal: attaches the learning trigger to a permanent table with uuid user_id and product_id and a text or enum direction column, without checking the caller; p_time_column names the column dating the swipes (NULL: detected, personality_swipe_tables.time_column). WARNING when the model will not read the table, or not fully. Use personality_attach_behavior().';

CREATE FUNCTION _personality_attach(p_table regclass, p_direction_column name, p_for_each text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT @extschema@._personality_attach(p_table, p_direction_column, p_for_each, NULL::pg_catalog.name)
$$;
COMMENT ON FUNCTION _personality_attach(regclass, name, text) IS
  'Internal: _personality_attach with the time column detected. Use personality_attach_behavior().';

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

CREATE FUNCTION personality_attach_behavior(p_table regclass, p_direction_column name, p_for_each text,
                                            p_time_column name)
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
    RETURN @extschema@._personality_attach(p_table, p_direction_column, p_for_each, p_time_column);
END;
$$;
COMMENT ON FUNCTION personality_attach_behavior(regclass, name, text, name) IS
  'personality_attach_behavior(table, direction column, ''row'' or ''statement'') naming the column that dates the swipes for the collaborative model (timestamptz, timestamp or date; 42703 when missing, 42804 for another type); NULL detects it: created_at, else swipe_timestamp, else the only timestamptz column. Example: SELECT personality_attach_behavior(''swipe_interactions'', ''swipe_direction'', ''row'', ''swiped_on'');';

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
    EXECUTE format('DROP TRIGGER IF EXISTS personality_swipes_batch ON %s', p_table);
    RETURN true;
END;
$$;
COMMENT ON FUNCTION personality_detach_behavior(regclass) IS
  'Removes behaviour learning from a swipe table; returns false when it was not attached. For trusted roles that own the table (42501 otherwise).';

-- Stored expressions bind only to pg_catalog and the extension (issue 20 point 1):
-- every function qualified, every literal typed, every operator OPERATOR(pg_catalog.x).
CREATE VIEW personality_swipe_tables AS
SELECT t.tgrelid::pg_catalog.regclass AS swipe_table,
       pg_catalog.convert_from(pg_catalog.substr(t.tgargs, 1::pg_catalog.int4,
                                                 pg_catalog.position(t.tgargs, '\x00'::pg_catalog.bytea) OPERATOR(pg_catalog.-) 1::pg_catalog.int4),
                               pg_catalog.getdatabaseencoding()::pg_catalog.name)::pg_catalog.name AS direction_column,
       t.tgenabled OPERATOR(pg_catalog.<>) 'D'::pg_catalog."char" AS enabled,
       CASE WHEN (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 1::pg_catalog.int4) OPERATOR(pg_catalog.=) 1::pg_catalog.int4
            THEN 'row'::pg_catalog.text ELSE 'statement'::pg_catalog.text END AS for_each,
       @extschema@._personality_time_column(t.tgrelid::pg_catalog.regclass,
                                            CASE WHEN t.tgnargs OPERATOR(pg_catalog.>=) 2::pg_catalog.int2
                                                 THEN @extschema@._personality_trigger_arg(t.tgargs, 2::pg_catalog.int4) END) AS time_column
  FROM pg_catalog.pg_trigger t
 WHERE t.tgname OPERATOR(pg_catalog.=) 'update_personality_from_swipes'::pg_catalog.name
   AND t.tgfoid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.update_personality_from_behavior()'::pg_catalog.regprocedure,
                                                  '@extschema@.update_personality_from_behavior_bulk()'::pg_catalog.regprocedure]::pg_catalog.oid[]);
COMMENT ON VIEW personality_swipe_tables IS
  'The swipe tables behaviour learning is attached to, with their direction column, trigger level (row, or statement for bulk loads) and the column dating their swipes for the collaborative model (time_column: named when attaching, else created_at, swipe_timestamp or the only timestamptz column; NULL: none, the refresh reads the table whole).';

-- What the collaborative model reads of each attached swipe table (issue 21): the
-- qualified table name, the direction and time expressions of the refresh, whether
-- it can read the table at all (readable) and what to warn about (warning). Runs with
-- the rights of its caller: the refresh (the owner) sees what it can read.
CREATE FUNCTION _personality_model_inputs()
RETURNS TABLE (swipe_table oid, tab text, dir text, ts text, time_column name, readable boolean, warning text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    v_dt text;
    v_tt text;
BEGIN
    FOR r IN
        SELECT t.swipe_table AS rel, t.direction_column AS dcol, t.time_column AS tcol,
               @extschema@._personality_trigger_arg(g.tgargs, 2) AS named,
               c.relpersistence, c.relrowsecurity, c.relforcerowsecurity, c.relowner,
               pg_catalog.quote_ident(n.nspname::text) || '.' || pg_catalog.quote_ident(c.relname::text) AS qname
          FROM @extschema@.personality_swipe_tables t
          JOIN pg_catalog.pg_class c ON c.oid = t.swipe_table::oid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_trigger g ON g.tgrelid = c.oid AND g.tgname = 'update_personality_from_swipes'
         ORDER BY c.oid
         LIMIT 10000
    LOOP
        swipe_table := r.rel::oid;
        tab := r.qname;
        time_column := r.tcol;
        readable := true;
        warning := NULL;
        ts := NULL;
        v_dt := @extschema@._personality_column_type(r.rel, r.dcol);
        dir := CASE v_dt
                   WHEN 'enum' THEN 'pg_catalog.textin(pg_catalog.enum_out(s.' || pg_catalog.quote_ident(r.dcol::text) || '))'
                   WHEN 'text' THEN 's.' || pg_catalog.quote_ident(r.dcol::text) || '::pg_catalog.text'
                   WHEN 'varchar' THEN 's.' || pg_catalog.quote_ident(r.dcol::text) || '::pg_catalog.text'
                   WHEN 'bpchar' THEN 's.' || pg_catalog.quote_ident(r.dcol::text) || '::pg_catalog.text'
                   WHEN 'name' THEN 's.' || pg_catalog.quote_ident(r.dcol::text) || '::pg_catalog.text'
               END;
        IF r.relpersistence = 't' THEN
            readable := false;
            warning := format('the model does not read swipe table %s: it is temporary', r.qname);
        ELSIF @extschema@._personality_column_type(r.rel, 'user_id') IS DISTINCT FROM 'uuid'
              OR @extschema@._personality_column_type(r.rel, 'product_id') IS DISTINCT FROM 'uuid' THEN
            readable := false;
            warning := format('the model does not read swipe table %s: user_id and product_id must be uuid columns', r.qname);
        ELSIF dir IS NULL THEN
            readable := false;
            warning := format('the model does not read swipe table %s: its direction column %s is missing or not text, varchar, char or an enum',
                              r.qname, coalesce(r.dcol::text, '(none)'));
        ELSIF NOT (pg_catalog.has_column_privilege(r.rel, 'user_id', 'SELECT')
                   AND pg_catalog.has_column_privilege(r.rel, 'product_id', 'SELECT')
                   AND pg_catalog.has_column_privilege(r.rel, r.dcol::text, 'SELECT')
                   AND (r.tcol IS NULL OR pg_catalog.has_column_privilege(r.rel, r.tcol::text, 'SELECT'))) THEN
            readable := false;
            warning := format('the model does not read swipe table %s: role %s may not SELECT its columns',
                              r.qname, current_user);
        ELSE
            IF r.tcol IS NOT NULL THEN
                v_tt := @extschema@._personality_column_type(r.rel, r.tcol);
                ts := 's.' || pg_catalog.quote_ident(r.tcol::text)
                      || CASE WHEN v_tt = 'timestamptz' THEN '' ELSE '::pg_catalog.timestamptz' END;
            ELSIF r.named IS NOT NULL THEN
                warning := format('swipe table %s: its time column %s, named when attaching, is gone or not timestamptz, timestamp or date: the model reads the table whole on every refresh',
                                  r.qname, r.named);
            END IF;
            IF r.relrowsecurity AND NOT coalesce((SELECT a.rolsuper OR a.rolbypassrls FROM pg_catalog.pg_roles a
                                                   WHERE a.rolname = current_user), false)
               AND (r.relforcerowsecurity OR NOT pg_catalog.pg_has_role(r.relowner, 'USAGE')) THEN
                warning := format('swipe table %s has row-level security and role %s does not bypass it: the model may see only some of its swipes',
                                  r.qname, current_user);
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION _personality_model_inputs() IS
  'Internal: per attached swipe table, what personality_refresh_model reads (qualified name, direction and time expressions), whether it can read it at all (readable) and what to warn about; for the refresh, the attach functions and personality_health.';

-- Nobody but the owner may attach the trigger functions to a table of their own
-- (EXECUTE is revoked from PUBLIC in finalize.sql).
-- They write profiles for the swiping user even when that user may not (RLS, grants),
-- under a fixed search_path: the swiping session's own must not resolve any name.
ALTER FUNCTION update_personality_from_behavior() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION _personality_swipes_batch() SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION _personality_swipes_batch() IS
  'Internal trigger function (trigger personality_swipes_batch, BEFORE INSERT FOR EACH STATEMENT, beside the row-level learning trigger): does nothing but load the library, so that its end-of-statement hook batches a bulk INSERT''s swipes even on a connection''s first statement.';
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
