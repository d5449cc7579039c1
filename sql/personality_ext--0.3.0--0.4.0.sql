-- personality_ext 0.3.0 -> 0.4.0 (ALTER EXTENSION personality_ext UPDATE).
-- Frozen once released: later changes go into the next upgrade script.
--
-- 0.4.0 closes the second security round (SECURITY.md, CHANGELOG): stored expressions
-- bind only to pg_catalog and the extension's objects, host row-level security on
-- products is honoured, aggregates count people, no row stops the model, the refresh
-- cannot be stalled by others, erasure is complete. Each section below is the change
-- of one area, in the order of a fresh installation's files.
\echo Use "ALTER EXTENSION personality_ext UPDATE TO '0.4.0'" to load this file. \quit

-- Model (issue 20 points 3-5, issue 21): any attached swipe table feeds the model (its
-- time column detected or named: personality_attach_behavior(table, direction, level,
-- time column), personality_swipe_tables.time_column; a table without one is read
-- whole); what the model cannot read is said at attach, at refresh and in
-- personality_health(); aggregates count distinct people and are shown from
-- personality.min_people people up; no row stops the refresh; no advisory lock and no
-- idle transaction can stall it (sql/learning_triggers.sql, sql/model.sql,
-- sql/monitoring.sql).
CREATE FUNCTION "_personality_min_people"() RETURNS INT /* i32 */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_personality_min_people_wrapper';
CREATE FUNCTION "_personality_model_constant"(
	"name" TEXT /* & str */
) RETURNS double precision /* f64 */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_personality_model_constant_wrapper';
CREATE FUNCTION "_personality_build_neighbours"(
	"p_rows" uuid[] /* Vec < Option < Uuid > > */
) RETURNS bigint /* i64 */
STRICT VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_personality_build_neighbours_wrapper';
COMMENT ON FUNCTION _personality_build_neighbours(uuid[]) IS
  'Internal: for personality_refresh_model only: the top-100 neighbour lists of the given products, computed by personality_core from the refresh''s temporary likes table and written to personality_item_neighbours; returns the rows written.';
COMMENT ON FUNCTION _personality_model_constant(text) IS
  'Internal: a constant of the collaborative model as personality_core defines it (half_life_seconds, neighbours_per_product, likes_per_person, products_per_pass, rate_prior, side_score, min_people), for the refresh; 22023 for another name.';
COMMENT ON FUNCTION _personality_min_people() IS
  'Internal: personality.min_people (superuser only, default 3), read through the library: the distinct people an aggregate about others needs before the refresh, personality_recommend or personality_similar_products show or use it.';

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
    -- the time column, when named, is the trigger's second argument (personality_swipe_tables)
    IF p_for_each = 'row' THEN
        EXECUTE format('CREATE TRIGGER update_personality_from_swipes AFTER INSERT ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION @extschema@.update_personality_from_behavior(%L%s)',
                       p_table, v_col, CASE WHEN p_time_column IS NOT NULL THEN format(', %L', p_time_column) ELSE '' END);
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

CREATE OR REPLACE FUNCTION _personality_attach(p_table regclass, p_direction_column name, p_for_each text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT @extschema@._personality_attach(p_table, p_direction_column, p_for_each, NULL::pg_catalog.name)
$$;
COMMENT ON FUNCTION _personality_attach(regclass, name, text) IS
  'Internal: _personality_attach with the time column detected. Use personality_attach_behavior().';

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

CREATE OR REPLACE VIEW personality_swipe_tables AS
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

ALTER TABLE personality_model_state
    ADD COLUMN rows_skipped bigint NOT NULL DEFAULT 0,
    ADD COLUMN tables_unread integer NOT NULL DEFAULT 0;
-- 0.3.0's item stats and popular products counted swipe rows, not people: gone, and
-- the next refresh rebuilds the model in full (its neighbours already counted people).
DELETE FROM personality_item_stats;
UPDATE personality_model_state SET refreshed_at = NULL, popular_ids = '{}';
COMMENT ON TABLE personality_item_stats IS
  'Derived: per product, the people who like it (right/up), dislike it (left) or are neutral, by their latest swipe of it (a person''s repeated swipes count once), the 90-day half-life decayed mass of those likes as of "at", and the likers on the high side (>= 60) of each trait; recomputed by personality_refresh_model() for the products with new swipes. Read by personality_recommend, which uses a count only from personality.min_people people up.';
COMMENT ON TABLE personality_model_state IS
  'Derived: one row, the state of personality_refresh_model(): when it last ran, how long it took, what it read, skipped (rows_skipped) and could not read (tables_unread), and the catalog-level numbers and popular products (liked by personality.min_people people at least) personality_recommend reads. The refresh locks this row FOR UPDATE: one refresh at a time.';

CREATE OR REPLACE FUNCTION _personality_refresh_model(p_full boolean) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
SET TimeZone = 'UTC'  -- a timestamp (without time zone) time column is read as UTC
AS $$
DECLARE
    v_t0 timestamptz := clock_timestamp();
    v_bound timestamptz;
    v_full boolean := p_full;
    -- the model's constants, defined once in personality_core::collab::constant
    -- popularity half-life, seconds
    v_hl constant float8 NOT NULL := @extschema@._personality_model_constant('half_life_seconds');
    -- most recent likes of a person that count
    v_cap constant int NOT NULL := @extschema@._personality_model_constant('likes_per_person');
    -- pseudo-swipes of the like-rate prior of the popular products' order
    v_prior constant float8 NOT NULL := @extschema@._personality_model_constant('rate_prior');
    -- trait score of a liker on the high side of a trait
    v_side constant float8 NOT NULL := @extschema@._personality_model_constant('side_score');
    -- a decay exponent above this (1000 half-lives, 0.5^1000 ~ 1e-301) is taken as it:
    -- power() never underflows, whatever the timestamp
    v_max_halves constant float8 := 1000;
    -- the longest a transaction writing a swipe table holds the high-water mark back;
    -- its swipes are not lost after that (the count check below rebuilds in full)
    v_hold constant interval := '60 seconds';
    -- swipes dated later than the high-water mark by more than this are bad rows
    v_future constant interval := '1 day';
    v_far timestamptz;
    v_min_people int := @extschema@._personality_min_people();
    v_read bigint := 0;
    v_skipped bigint := 0;
    v_unread int := 0;
    v_untimed int := 0;
    v_rows uuid[];
    v_changed uuid[];
    v_done bigint := 0;
    r record;
    v_bad record;
    v_src record;
BEGIN
    -- One refresh at a time: the state row, locked until the refresh commits. A second
    -- refresh waits for the first (then reads what the first wrote).
    INSERT INTO @extschema@.personality_model_state (id) VALUES (true) ON CONFLICT (id) DO NOTHING;
    PERFORM 1 FROM @extschema@.personality_model_state s WHERE s.id FOR UPDATE;
    IF (SELECT s.refreshed_at IS NULL FROM @extschema@.personality_model_state s) THEN
        v_full := true;
    END IF;
    -- The high-water mark: now, held back to the start of the oldest transaction that
    -- holds ROW EXCLUSIVE on an attached swipe table (it may be writing swipes dated
    -- from its start that it has not committed yet), for at most v_hold. A transaction
    -- that wrote no swipe (an idle BEGIN; SELECT 1;) never holds it back; a longer
    -- writer's swipes, committed below the mark, make the next refresh a full one.
    -- (Backends of roles whose pg_stat_activity the owner may not read count as not
    -- writing: the count check catches their swipes too.)
    SELECT least(now(), min(a.xact_start)) INTO v_bound
      FROM pg_catalog.pg_locks l
      JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) l.pid
     WHERE l.locktype OPERATOR(pg_catalog.=) 'relation'
       AND l.mode OPERATOR(pg_catalog.=) 'RowExclusiveLock' AND l.granted
       AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                               WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
       AND l.relation OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT t.swipe_table::pg_catalog.oid
                                                         FROM @extschema@.personality_swipe_tables t))
       AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
       AND a.xact_start OPERATOR(pg_catalog.>) (now() OPERATOR(pg_catalog.-) v_hold);
    v_bound := coalesce(v_bound, now());
    v_far := v_bound + v_future;

    -- Scratch tables of this session (dropped at commit). A table of that name the
    -- caller made goes first: its triggers or defaults must never run as the owner.
    DROP TABLE IF EXISTS pg_temp.personality_model_swipes, pg_temp.personality_model_likes,
                         pg_temp.personality_model_n, pg_temp.personality_model_opinions,
                         pg_temp.personality_model_counts;
    -- seq: the row's place in its table, the order of swipes with the same time
    CREATE TEMP TABLE personality_model_swipes (
        src oid, user_id uuid, product_id uuid, dir smallint, ts timestamptz, fresh boolean, seq tid
    ) ON COMMIT DROP;
    FOR r IN
        SELECT i.swipe_table AS oid, i.tab, i.dir, i.ts, i.readable, i.warning,
               h.swipe_table IS NOT NULL AS known, h.swipes_until AS since
          FROM @extschema@._personality_model_inputs() i
          LEFT JOIN @extschema@.personality_model_sources h ON h.swipe_table OPERATOR(pg_catalog.=) i.swipe_table
    LOOP
        IF r.warning IS NOT NULL THEN
            RAISE WARNING 'personality_ext: %', r.warning;
        END IF;
        IF NOT r.readable THEN
            v_unread := v_unread + 1;
            CONTINUE;
        END IF;
        IF r.ts IS NULL THEN
            v_untimed := v_untimed + 1;
        END IF;
        -- Every swipe with a known direction, with its time; a table without a time
        -- column dates every swipe at the mark, and they count as new only the first
        -- time (or on a full rebuild). Swipes dated from the mark to a day after it are
        -- for a later refresh.
        EXECUTE format(
            'INSERT INTO pg_temp.personality_model_swipes '
            'SELECT x.src, x.user_id, x.product_id, x.dir, x.ts, x.fresh, x.seq '
            '  FROM (SELECT %s AS src, s.user_id, s.product_id, '
            '               CASE pg_catalog.lower(pg_catalog.btrim(%s)) '
            '                    WHEN ''right'' THEN 2 WHEN ''like'' THEN 2 WHEN ''yes'' THEN 2 '
            '                    WHEN ''up'' THEN 3 WHEN ''super'' THEN 3 WHEN ''superlike'' THEN 3 WHEN ''love'' THEN 3 '
            '                    WHEN ''left'' THEN -1 WHEN ''dislike'' THEN -1 WHEN ''no'' THEN -1 WHEN ''pass'' THEN -1 '
            '                    WHEN ''down'' THEN 0 WHEN ''skip'' THEN 0 WHEN ''neutral'' THEN 0 END AS dir, '
            '               %s AS ts, %s AS fresh, s.ctid AS seq '
            '          FROM %s s '
            '         WHERE s.user_id IS NOT NULL AND s.product_id IS NOT NULL) x '
            ' WHERE x.dir IS NOT NULL%s',
            r.oid::bigint, r.dir,
            coalesce(r.ts, '$1'),
            CASE WHEN r.ts IS NULL THEN CASE WHEN r.known THEN 'false' ELSE 'true' END
                 ELSE r.ts || ' OPERATOR(pg_catalog.>=) $2' END,
            r.tab,
            CASE WHEN r.ts IS NULL THEN ''
                 ELSE ' AND NOT (x.ts OPERATOR(pg_catalog.>=) $1 AND x.ts OPERATOR(pg_catalog.<=) $3)' END)
        USING v_bound, coalesce(r.since, '-infinity'::timestamptz), v_far;
    END LOOP;
    -- Bad rows (no time, an infinite one, or one far in the future): skipped, named.
    FOR v_src IN SELECT w.src, pg_catalog.count(*) AS n FROM pg_temp.personality_model_swipes w
                  WHERE w.ts IS NULL OR w.ts OPERATOR(pg_catalog.>) v_far
                     OR w.ts OPERATOR(pg_catalog.=) '-infinity'::pg_catalog.timestamptz
                  GROUP BY w.src ORDER BY w.src LOOP
        v_skipped := v_skipped + v_src.n;
        FOR v_bad IN SELECT w.seq, w.user_id, w.product_id, w.ts FROM pg_temp.personality_model_swipes w
                      WHERE w.src OPERATOR(pg_catalog.=) v_src.src
                        AND (w.ts IS NULL OR w.ts OPERATOR(pg_catalog.>) v_far
                             OR w.ts OPERATOR(pg_catalog.=) '-infinity'::pg_catalog.timestamptz)
                      ORDER BY w.seq LIMIT 3 LOOP
            RAISE WARNING 'personality_ext: the model skips a swipe of % (ctid %, user_id %, product_id %): its time % is %',
                v_src.src::pg_catalog.regclass, v_bad.seq, v_bad.user_id, v_bad.product_id, coalesce(v_bad.ts::text, 'NULL'),
                CASE WHEN v_bad.ts IS NULL THEN 'missing' WHEN NOT pg_catalog.isfinite(v_bad.ts) THEN 'infinite'
                     ELSE 'more than ' || v_future::text || ' in the future' END;
        END LOOP;
        IF v_src.n OPERATOR(pg_catalog.>) 3 THEN
            RAISE WARNING 'personality_ext: the model skips % more swipes of % with a missing, infinite or future time',
                v_src.n OPERATOR(pg_catalog.-) 3, v_src.src::pg_catalog.regclass;
        END IF;
    END LOOP;
    IF v_skipped OPERATOR(pg_catalog.>) 0 THEN
        DELETE FROM pg_temp.personality_model_swipes w
         WHERE w.ts IS NULL OR w.ts OPERATOR(pg_catalog.>) v_far
            OR w.ts OPERATOR(pg_catalog.=) '-infinity'::pg_catalog.timestamptz;
    END IF;
    -- Per table: the swipes read, and those below its last high-water mark.
    CREATE TEMP TABLE personality_model_counts ON COMMIT DROP AS
    SELECT w.src, pg_catalog.count(*) AS n_all, pg_catalog.count(*) FILTER (WHERE NOT w.fresh) AS n_old
      FROM pg_temp.personality_model_swipes w GROUP BY w.src;
    SELECT coalesce(sum(c.n_all), 0) INTO v_read FROM pg_temp.personality_model_counts c;
    -- Swipes below a table's high-water mark that were not there at the last refresh
    -- (inserted with an older time, committed late) or are gone (deleted, table
    -- detached): count everything again.
    IF NOT v_full AND EXISTS (
        SELECT 1 FROM @extschema@.personality_model_sources h
          LEFT JOIN pg_temp.personality_model_counts c ON c.src = h.swipe_table
         WHERE h.swipes_counted <> coalesce(c.n_old, 0)) THEN
        v_full := true;
    END IF;
    DELETE FROM @extschema@.personality_model_sources;
    INSERT INTO @extschema@.personality_model_sources (swipe_table, swipes_until, swipes_counted)
    SELECT c.src, v_bound, c.n_all FROM pg_temp.personality_model_counts c;

    -- 1. Each person's current opinion of each product (their latest swipe of it; the
    -- later row when two have the same time): aggregates count people, not swipes.
    CREATE TEMP TABLE personality_model_opinions (user_id uuid, product_id uuid, dir smallint, ts timestamptz)
        ON COMMIT DROP;
    INSERT INTO pg_temp.personality_model_opinions
    SELECT DISTINCT ON (w.user_id, w.product_id) w.user_id, w.product_id, w.dir, w.ts
      FROM pg_temp.personality_model_swipes w
     ORDER BY w.user_id, w.product_id, w.ts DESC, w.seq DESC, w.dir DESC;
    CREATE INDEX personality_model_opinions_p ON pg_temp.personality_model_opinions (product_id);
    ANALYZE pg_temp.personality_model_opinions;

    -- 2. Item stats of the products with new swipes (all on a full rebuild), from the
    -- opinions: people who like (right/up), dislike, are neutral; the likes' decayed
    -- mass as of the mark; likers on the high side of each trait.
    IF v_full THEN
        DELETE FROM @extschema@.personality_item_stats;
    END IF;
    INSERT INTO @extschema@.personality_item_stats AS s
        (product_id, likes, dislikes, neutral, decayed_likes, at, side_likes)
    SELECT o.product_id,
           count(*) FILTER (WHERE o.dir > 0),
           count(*) FILTER (WHERE o.dir < 0),
           count(*) FILTER (WHERE o.dir = 0),
           coalesce(sum(pg_catalog.power(0.5::float8,
                       least(greatest(extract(epoch FROM v_bound - o.ts)::float8, 0) / v_hl, v_max_halves)))
                    FILTER (WHERE o.dir > 0), 0),
           v_bound,
           ARRAY[count(*) FILTER (WHERE o.dir > 0 AND p.sc[1] >= v_side),
                 count(*) FILTER (WHERE o.dir > 0 AND p.sc[2] >= v_side),
                 count(*) FILTER (WHERE o.dir > 0 AND p.sc[3] >= v_side),
                 count(*) FILTER (WHERE o.dir > 0 AND p.sc[4] >= v_side),
                 count(*) FILTER (WHERE o.dir > 0 AND p.sc[5] >= v_side)]::real[]
      FROM pg_temp.personality_model_opinions o
      LEFT JOIN LATERAL (
          SELECT ARRAY(SELECT CASE WHEN pg_catalog.jsonb_typeof(pp.personality_scores -> t.n) = 'number'
                                   THEN (pp.personality_scores ->> t.n)::float8 END
                         FROM unnest(ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social'])
                              WITH ORDINALITY AS t(n, i) ORDER BY t.i) AS sc
            FROM @extschema@.personality_profiles pp WHERE pp.user_id = o.user_id) p ON true
     WHERE v_full OR o.product_id IN (SELECT w.product_id FROM pg_temp.personality_model_swipes w WHERE w.fresh)
     GROUP BY o.product_id
    ON CONFLICT (product_id) DO UPDATE SET
        likes = EXCLUDED.likes,
        dislikes = EXCLUDED.dislikes,
        neutral = EXCLUDED.neutral,
        decayed_likes = EXCLUDED.decayed_likes,
        at = EXCLUDED.at,
        side_likes = EXCLUDED.side_likes;

    -- 3. Likes that count for the neighbours: each person's current likes, their v_cap
    -- most recent, each weighted 1 / their count.
    CREATE TEMP TABLE personality_model_likes (user_id uuid, product_id uuid, w float8) ON COMMIT DROP;
    INSERT INTO pg_temp.personality_model_likes
    SELECT x.user_id, x.product_id, 1.0 / least(x.n, v_cap)
      FROM (SELECT l.user_id, l.product_id,
                   row_number() OVER (PARTITION BY l.user_id ORDER BY l.ts DESC, l.product_id) AS rn,
                   count(*) OVER (PARTITION BY l.user_id) AS n
              FROM pg_temp.personality_model_opinions l
             WHERE l.dir > 0) x
     WHERE x.rn <= v_cap;
    CREATE INDEX personality_model_likes_p ON pg_temp.personality_model_likes (product_id);
    CREATE INDEX personality_model_likes_u ON pg_temp.personality_model_likes (user_id);
    ANALYZE pg_temp.personality_model_likes;
    CREATE TEMP TABLE personality_model_n (product_id uuid PRIMARY KEY, n float8) ON COMMIT DROP;
    INSERT INTO pg_temp.personality_model_n
    SELECT l.product_id, sum(l.w) FROM pg_temp.personality_model_likes l GROUP BY l.product_id;

    -- 4. Rows to recompute: everything on a full rebuild; else the products liked by
    -- people with new swipes (their 1/L weight moved all their pairs) and the stored
    -- rows holding one of those (their like count moved the similarity).
    IF v_full THEN
        DELETE FROM @extschema@.personality_item_neighbours;
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

    -- 5. Recompute those rows: personality_core's neighbour build (issue 21; the rule
    -- the examples evaluate), in passes of 2,000 products (a cancel is seen between
    -- them), written 5,000 rows per statement.
    DELETE FROM @extschema@.personality_item_neighbours nb WHERE nb.product_id = ANY (v_rows);
    v_done := @extschema@._personality_build_neighbours(v_rows);

    -- 6. Catalog numbers and the popular products, as of the high-water mark: only
    -- products liked by at least personality.min_people people (an aggregate about
    -- others, shown to everyone) set the popularity scale or are popular.
    UPDATE @extschema@.personality_model_state m SET
        like_rate = coalesce(c.rate, 0.5),
        log_max_decayed = coalesce(c.lmd, 0),
        stats_at = v_bound
      FROM (SELECT CASE WHEN sum(s.likes + s.dislikes) > 0 THEN sum(s.likes) / sum(s.likes + s.dislikes) END AS rate,
                   ln(1 + max(s.decayed_likes * pg_catalog.power(0.5::float8,
                          least(greatest(extract(epoch FROM v_bound - s.at)::float8, 0) / v_hl, v_max_halves)))
                          FILTER (WHERE s.likes >= v_min_people)) AS lmd
              FROM @extschema@.personality_item_stats s) c
     WHERE m.id;
    UPDATE @extschema@.personality_model_state m SET
        popular_ids = ARRAY(
            SELECT s.product_id
              FROM @extschema@.personality_item_stats s
              JOIN @extschema@.personality_product_vectors v ON v.product_id = s.product_id AND v.is_active
             WHERE s.likes >= v_min_people AND s.likes > 0 AND m.log_max_decayed > 0
             ORDER BY least(1, ln(1 + s.decayed_likes * pg_catalog.power(0.5::float8,
                          least(greatest(extract(epoch FROM v_bound - s.at)::float8, 0) / v_hl, v_max_halves))) / m.log_max_decayed
                          * ((s.likes + v_prior * m.like_rate) / (s.likes + s.dislikes + v_prior)) / greatest(m.like_rate, 1e-6)) DESC,
                      s.likes DESC, s.product_id
             LIMIT 300),
        refreshed_at = now(),
        swipes_until = v_bound,
        refresh_ms = extract(epoch FROM clock_timestamp() - v_t0) * 1000,
        swipes_read = v_read,
        rows_refreshed = v_done,
        rows_skipped = v_skipped,
        tables_unread = v_unread
     WHERE m.id;
    RETURN jsonb_build_object('full', v_full, 'swipes_read', v_read, 'rows_refreshed', v_done,
                              'products_with_neighbours', (SELECT count(*) FROM @extschema@.personality_item_neighbours),
                              'swipes_until', v_bound,
                              -- how far the high-water mark is behind the refresh
                              'lag_ms', round((extract(epoch FROM now() - v_bound) * 1000)::numeric, 1),
                              'rows_skipped', v_skipped,
                              'tables_unread', v_unread,
                              'tables_untimed', v_untimed,
                              'ms', round((extract(epoch FROM clock_timestamp() - v_t0) * 1000)::numeric, 1));
END;
$$;
COMMENT ON FUNCTION _personality_refresh_model(boolean) IS
  'Internal: personality_refresh_model without the caller check.';
COMMENT ON FUNCTION personality_refresh_model(boolean) IS
  'Refreshes the collaborative model of personality_recommend from every attached swipe table, dated by its time column (personality_swipe_tables.time_column; a table without one is read whole and dated at the refresh): recomputes personality_item_stats (distinct people, each by their latest swipe of a product) for the products with swipes since the last refresh and the top-100 neighbours (personality_item_neighbours) of the products they touch (computed by personality_core, 2,000 products per pass); p_full => true rebuilds everything. Swipes with no time, an infinite one or one more than a day ahead are skipped with a WARNING naming them; a table it cannot read gets a WARNING. One refresh at a time (a second waits); recommendations read the previous model until it commits. Returns what it did as jsonb (full, swipes_read, rows_refreshed, swipes_until, lag_ms, rows_skipped, tables_unread, tables_untimed, ms). Schedule it, e.g. every 10 minutes with pg_cron: SELECT cron.schedule(''personality-model'', ''*/10 * * * *'', ''SELECT personality_refresh_model()''). For service_role, the owner and superusers (42501 otherwise).';

CREATE OR REPLACE FUNCTION personality_similar_products(
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
     WHERE v_occasion IS NULL OR s.occ_fit OPERATOR(pg_catalog.>) 0
     ORDER BY s.tier,
              coalesce(s.sim, 0) OPERATOR(pg_catalog.*)
                (CASE WHEN v_occasion IS NULL THEN 1
                      ELSE 0.5 OPERATOR(pg_catalog.+) (0.5 OPERATOR(pg_catalog.*) s.occ_fit) END) DESC,
              s.rate DESC, s.likes DESC, s.id
     LIMIT p_limit;
END;
$$;
COMMENT ON FUNCTION personality_similar_products(uuid, int, numeric, text) IS
  'Products similar to p_product_id (the seed''s ''similar'' context): first its stored neighbours by co-likes (personality_refresh_model) liked together by at least personality.min_people people, best similarity first, then products with the same category, price band and personality profile, then the same category and price band; only active products, under p_max_price when given; with an occasion, products whose traits do not fit it are dropped and the rest ranked by fit too. Each row says why (reasons). 22023 for a bad limit or price, P0002 for a product without a vector.';

-- A new return type (the model's columns): dropped and created again.
DROP FUNCTION personality_health();
CREATE FUNCTION personality_health()
RETURNS TABLE(alert_level text, connection_usage_pct numeric, connection_alert text,
              dead_row_ratio numeric, dead_row_alert text,
              profiles bigint, assessments bigint, recommendations bigint, product_vectors bigint,
              swipe_tables integer, host_links_missing integer,
              last_assessment_at timestamptz, checked_at timestamptz,
              model_alert text, model_refreshed_at timestamptz, model_lag_seconds numeric,
              model_rows_skipped bigint, swipe_tables_unread integer, swipe_tables_untimed integer)
LANGUAGE plpgsql STABLE
SECURITY DEFINER  -- counts rows of every personality table, whatever the caller may read
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@._personality_require_trusted('read the health report');
    SELECT c.usage_pct, c.alert_level INTO connection_usage_pct, connection_alert
      FROM @extschema@.personality_connection_usage c;
    SELECT round(sum(t.dead_rows)::numeric / nullif(sum(t.live_rows + t.dead_rows), 0), 4)
      INTO dead_row_ratio
      FROM @extschema@.personality_table_stats t WHERE t.is_extension_table;
    dead_row_alert := CASE WHEN coalesce(dead_row_ratio, 0) > 0.4 THEN 'critical'
                           WHEN coalesce(dead_row_ratio, 0) > 0.2 THEN 'warning' ELSE 'ok' END;
    SELECT count(*) INTO profiles FROM @extschema@.personality_profiles;
    SELECT count(*), max(h.assessment_timestamp) INTO assessments, last_assessment_at
      FROM @extschema@.personality_assessment_history h;
    SELECT count(*) INTO recommendations FROM @extschema@.personality_recommendations;
    SELECT count(*) INTO product_vectors FROM @extschema@.personality_product_vectors;
    SELECT count(*) INTO swipe_tables FROM @extschema@.personality_swipe_tables;
    SELECT count(*) INTO host_links_missing FROM @extschema@.personality_host_status() s WHERE s.status <> 'linked';
    -- The collaborative model (issues 20 and 21): swipe tables the refresh cannot read
    -- (now, with the owner's rights, as the refresh reads them) or reads without a time
    -- column; what the last refresh skipped; how far its high-water mark lagged.
    SELECT count(*) FILTER (WHERE NOT i.readable), count(*) FILTER (WHERE i.readable AND i.ts IS NULL)
      INTO swipe_tables_unread, swipe_tables_untimed
      FROM @extschema@._personality_model_inputs() i;
    SELECT m.refreshed_at, round(extract(epoch FROM m.refreshed_at - m.swipes_until)::numeric, 3), m.rows_skipped
      INTO model_refreshed_at, model_lag_seconds, model_rows_skipped
      FROM @extschema@.personality_model_state m;
    model_rows_skipped := coalesce(model_rows_skipped, 0);
    model_alert := CASE WHEN swipe_tables_unread > 0 OR model_rows_skipped > 0 OR coalesce(model_lag_seconds, 0) > 300
                        THEN 'warning' ELSE 'ok' END;
    alert_level := CASE WHEN 'critical' IN (connection_alert, dead_row_alert) THEN 'critical'
                        WHEN 'warning' IN (connection_alert, dead_row_alert, model_alert) OR host_links_missing > 0 THEN 'warning'
                        ELSE 'ok' END;
    checked_at := now();
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION personality_health() IS
  'For service_role, the owner and superusers (42501 otherwise). One row: the overall alert level (worst of connections > 60/80 %, dead-row ratio of the extension''s tables > 0.2/0.4, missing host links, the model''s alert) and the metrics behind it: row counts, attached swipe tables, last assessment; the collaborative model''s alert (warning: a swipe table the refresh cannot read, swipes the last refresh skipped for a missing, infinite or far-future time, or a high-water mark more than 300 s behind), its last refresh, that lag in seconds, the skipped swipes, unreadable swipe tables and swipe tables without a time column (read whole).';

-- Who may run what (sql/finalize.sql).
REVOKE ALL ON FUNCTION _personality_min_people() FROM PUBLIC;
REVOKE ALL ON FUNCTION _personality_model_constant(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION _personality_build_neighbours(uuid[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION _personality_attach(regclass, name, text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION _personality_model_inputs() FROM PUBLIC;
REVOKE ALL ON FUNCTION personality_attach_behavior(regclass, name, text, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION personality_health() FROM PUBLIC;
-- read by personality_swipe_tables with the rights of whoever reads it
REVOKE ALL ON FUNCTION _personality_trigger_arg(bytea, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION _personality_time_column(regclass, name) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION _personality_trigger_arg(bytea, int) TO PUBLIC;
GRANT EXECUTE ON FUNCTION _personality_time_column(regclass, name) TO PUBLIC;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        GRANT EXECUTE ON FUNCTION @extschema@.personality_attach_behavior(regclass, name, text, name) TO service_role;
        GRANT EXECUTE ON FUNCTION @extschema@.personality_health() TO service_role;
    END IF;
END;
$$;
