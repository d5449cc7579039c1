//! In-database tests (`cargo pgrx test`): run inside a real backend, each in a
//! transaction that is rolled back.

#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn installs_the_four_seed_tables() {
        let n = Spi::get_one::<i64>(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'r' AND c.relname IN ('personality_profiles', \
             'personality_gift_mappings', 'personality_assessment_history', \
             'personality_recommendations')",
        );
        assert_eq!(n, Ok(Some(4)));
    }

    /// A learning error reaches SQL as core's error: 55000, never 22000 or XX000.
    #[pg_test]
    fn sync_reports_sql_older_than_library_as_55000() {
        Spi::run(
            "UPDATE pg_extension SET extversion = '0.0.1' WHERE extname = 'personality_ext'; \
             CREATE FUNCTION pg_temp.sync_state() RETURNS text LANGUAGE plpgsql AS $$ \
             BEGIN PERFORM _personality_sync_profiles(NULL); RETURN 'no error'; \
             EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$",
        )
        .expect("setup");
        let got = Spi::get_one::<String>("SELECT pg_temp.sync_state()")
            .expect("call")
            .unwrap_or_default();
        assert!(got.starts_with("55000 "), "{got}");
        assert!(got.contains("not the version of its library"), "{got}");
    }

    #[pg_test]
    fn seeds_one_mapping_per_trait() {
        let n = Spi::get_one::<i64>(
            "SELECT count(DISTINCT personality_type) FROM personality_gift_mappings \
             WHERE personality_type IN ('adventurous','intellectual','practical','creative','social')",
        );
        assert_eq!(n, Ok(Some(5)));
    }

    #[pg_test]
    fn rls_is_enabled_on_every_table() {
        let without = Spi::get_one::<i64>(
            "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND NOT relrowsecurity \
             AND relname LIKE 'personality\\_%'",
        );
        assert_eq!(without, Ok(Some(0)));
        // every table of the extension, however many there are
        let with = Spi::get_one::<i64>(
            "SELECT count(*) FROM pg_class c JOIN pg_depend d ON d.objid = c.oid \
              AND d.classid = 'pg_class'::regclass AND d.deptype = 'e' \
             JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'personality_ext' \
             WHERE c.relkind = 'r' AND c.relrowsecurity",
        );
        let tables = Spi::get_one::<i64>(
            "SELECT count(*) FROM pg_class c JOIN pg_depend d ON d.objid = c.oid \
              AND d.classid = 'pg_class'::regclass AND d.deptype = 'e' \
             JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'personality_ext' \
             WHERE c.relkind = 'r'",
        );
        assert_eq!(with, tables);
        assert!(matches!(tables, Ok(Some(n)) if n >= 9));
    }

    #[pg_test]
    fn links_foreign_keys_once_host_tables_appear() {
        // The test database has no host tables: the extension installed in deferred mode.
        Spi::run("CREATE TABLE public.profiles (id uuid PRIMARY KEY)").unwrap();
        Spi::run("CREATE TABLE public.products (id uuid PRIMARY KEY)").unwrap();
        // the four seed foreign keys to host tables and the internal ones that wait
        // for the host's profiles: all linked now
        let not_linked = Spi::get_one::<i64>(
            "SELECT count(*) FROM personality_host_status() WHERE status <> 'linked'",
        );
        assert_eq!(not_linked, Ok(Some(0)));
        let linked = Spi::get_one::<i64>(
            "SELECT count(*) FROM personality_host_status() WHERE status = 'linked'",
        );
        assert!(matches!(linked, Ok(Some(n)) if n >= 4));
    }
}
