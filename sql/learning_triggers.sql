-- Learning from swipes: attaching the swipe trigger to the host's swipe tables, and the
-- settings of the trigger functions (README "Behaviour learning"). The trigger functions
-- themselves are Rust (src/learning/), the learning state in sql/learning.sql.

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

-- Every function and operator of a stored expression is pg_catalog's, named by schema,
-- with typed literals: a public overload planted before CREATE EXTENSION must not bind.
-- Trigger arguments are stored in the server encoding.
CREATE VIEW personality_swipe_tables AS
SELECT t.tgrelid::pg_catalog.regclass AS swipe_table,
       pg_catalog.convert_from(
           pg_catalog.substring(t.tgargs, 1,
                                GREATEST(pg_catalog.length(t.tgargs) OPERATOR(pg_catalog.-) 1, 0)),
           pg_catalog.getdatabaseencoding())::pg_catalog.name AS direction_column,
       t.tgenabled OPERATOR(pg_catalog.<>) 'D'::pg_catalog."char" AS enabled,
       CASE WHEN (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 1) OPERATOR(pg_catalog.=) 1
            THEN 'row'::pg_catalog.text ELSE 'statement'::pg_catalog.text END AS for_each
  FROM pg_catalog.pg_trigger t
 WHERE t.tgname OPERATOR(pg_catalog.=) 'update_personality_from_swipes'::pg_catalog.name
   AND t.tgfoid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.update_personality_from_behavior()'::pg_catalog.regprocedure,
                                                  '@extschema@.update_personality_from_behavior_bulk()'::pg_catalog.regprocedure]::pg_catalog.oid[]);
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
