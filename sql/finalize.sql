-- Last step of CREATE EXTENSION: link to the host tables now if they are there, and
-- say clearly what is missing if they are not (README "Installing").
DO $$
DECLARE
    v_missing text;
BEGIN
    PERFORM @extschema@._personality_link_host(true);
    SELECT string_agg(DISTINCT format('%s (%s)', host_table, status), ', ')
      INTO v_missing
      FROM @extschema@.personality_host_status()
     WHERE status <> 'linked';
    -- The seed's trigger on swipes, when the host has a swipes table.
    IF @extschema@._personality_host_table('swipes') IS NOT NULL THEN
        BEGIN
            PERFORM @extschema@.personality_attach_behavior(@extschema@._personality_host_table('swipes'));
        EXCEPTION WHEN undefined_column THEN
            RAISE WARNING 'personality_ext: not learning from table swipes: %', SQLERRM
                USING HINT = 'SELECT personality_attach_behavior(''swipes'', ''<direction column>'');';
        END;
    END IF;
    IF v_missing IS NOT NULL THEN
        RAISE WARNING 'personality_ext: installed without foreign keys to host tables: %', v_missing
            USING DETAIL = 'personality_ext expects the host tables profiles(id uuid primary key) and products(id uuid primary key) in the extension''s schema or in public (or in personality.host_schema).',
                  HINT = 'The foreign keys are added automatically as soon as those tables exist with a primary key on id (this is what happens during pg_restore). Check with SELECT * FROM personality_host_status();';
    END IF;
END;
$$;
