//! Helpers for the adversarial tests of personality_ext (issue 11).
//!
//! Every test builds a [`Scene`]: a fresh database with the host schema fixture, the
//! extension installed into `public` (as on Supabase), two users assessed through
//! personality_assess as service_role, products, swipes and stored recommendations,
//! and a per-test attacker login role. The attack then runs over real connections as
//! that role or as an `authenticated` user (login `authenticator`, SET ROLE,
//! request.jwt.claims, as PostgREST does), and the test asserts with a [`Snapshot`]
//! taken before and after that nothing changed.
//!
//! Detecting code that ran with the owner's rights: the functions the attacker plants
//! (see [`Scene::evil_sql`]) do three things when they run as a superuser (the owner
//! of the extension is the bootstrap superuser `postgres`):
//!   * `nextval('adv_marker.hits')`: a sequence nobody else may use; non-transactional,
//!     so it shows even when the attacked statement failed and was rolled back;
//!   * insert a row into `adv_marker.log`;
//!   * `ALTER ROLE <attacker> SUPERUSER`.
//!
//! The snapshot covers all three, every role attribute that matters, the shared tables
//! (gift mappings, quiz questions, product vectors and groups, seed deletions), the
//! rows of every user the attacker is not, the triggers running extension functions and
//! the definitions and ACLs of the extension's functions.
pub use personality_integration::{
    connect, drop_db, ensure_roles, fresh_db, product_id, sqlstate, user_id,
};
use postgres::Client;

/// What the attacker's own login role may do besides logging in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attacker {
    /// A login role with no grants at all (it still has PUBLIC's rights: TEMP on the
    /// database, EXECUTE on functions not revoked from PUBLIC, USAGE on public).
    NoGrants,
    /// GRANT CREATE ON DATABASE: may create schemas (e.g. `auth`).
    SchemaCreator,
    /// GRANT CREATE ON SCHEMA public (Supabase-like): may plant functions, operators,
    /// types and casts next to the extension's objects.
    PublicCreator,
}

pub struct Scene {
    /// The test's database (also the suffix of the role's name).
    pub db: String,
    /// The attacker's own login role; the planted functions try to make it superuser.
    pub role: String,
    /// A superuser connection to the test's database, for setup and checks.
    pub admin: Client,
}

/// The user the `authenticated` attacker is signed in as; their own rows may change.
pub const ATTACKER_USER: u32 = 1;
/// The other user, whose rows must not be read or written.
pub const VICTIM: u32 = 2;

impl Scene {
    /// A fresh database `adv_<name>` with the extension, data and the attacker role
    /// `adv_<name>` of the given kind.
    pub fn new(name: &str, kind: Attacker) -> Scene {
        Self::build(name, kind, true)
    }

    /// Like [`Scene::new`] but without CREATE EXTENSION (the upgrade test installs an
    /// older version itself).
    pub fn without_extension(name: &str, kind: Attacker) -> Scene {
        Self::build(name, kind, false)
    }

    fn build(name: &str, kind: Attacker, with_extension: bool) -> Scene {
        let db = format!("adv_{name}");
        let role = format!("adv_{name}");
        ensure_roles();
        drop_db(&db);
        {
            let mut pg = connect("postgres", "postgres");
            if pg
                .batch_execute(&format!("DROP ROLE IF EXISTS {role}"))
                .is_err()
            {
                // left over from an earlier run with objects elsewhere: neuter it
                pg.batch_execute(&format!(
                    "ALTER ROLE {role} NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS LOGIN"
                ))
                .expect("reset attacker role");
            } else {
                pg.batch_execute(&format!("CREATE ROLE {role} LOGIN"))
                    .expect("create attacker role");
            }
        }
        let mut admin = fresh_db(&db, 120, 3, false);
        if with_extension {
            admin
                .batch_execute("CREATE EXTENSION personality_ext SCHEMA public")
                .expect("create extension");
        }
        admin
            .batch_execute(
                "CREATE SCHEMA adv_marker;
                 REVOKE ALL ON SCHEMA adv_marker FROM PUBLIC;
                 CREATE SEQUENCE adv_marker.hits;
                 CREATE TABLE adv_marker.log (who text, at timestamptz DEFAULT now());
                 -- The app lets signed-in users insert their own swipes (as on Supabase).
                 ALTER TABLE swipes ENABLE ROW LEVEL SECURITY;
                 CREATE POLICY swipes_own ON swipes FOR ALL TO authenticated
                   USING (user_id = (nullif(current_setting('request.jwt.claims', true), '')::jsonb->>'sub')::uuid)
                   WITH CHECK (user_id = (nullif(current_setting('request.jwt.claims', true), '')::jsonb->>'sub')::uuid);
                 GRANT SELECT, INSERT ON swipes TO authenticated;
                 GRANT SELECT ON products, categories TO anon, authenticated;
                 GRANT SELECT, INSERT, UPDATE, DELETE ON swipes, products, categories, profiles TO service_role;",
            )
            .expect("marker and app grants");
        match kind {
            Attacker::NoGrants => {}
            Attacker::SchemaCreator => admin
                .batch_execute(&format!("GRANT CREATE ON DATABASE {db} TO {role}"))
                .expect("grant create on database"),
            Attacker::PublicCreator => admin
                .batch_execute(&format!("GRANT CREATE ON SCHEMA public TO {role}"))
                .expect("grant create on public"),
        }
        let mut s = Scene { db, role, admin };
        if with_extension {
            s.load_data();
        }
        s
    }

    /// Users 1 and 2 take the quiz (as service_role), swipe, and get recommendations.
    pub fn load_data(&mut self) {
        let a1 = self.answers(0);
        let a2 = self.answers(1);
        let mut svc = self.service();
        for (n, a) in [(1, &a1), (2, &a2)] {
            svc.execute(
                "SELECT 1 FROM personality_assess($1::text::uuid, $2::text::jsonb, 300)",
                &[&user_id(n), a],
            )
            .unwrap_or_else(|e| panic!("assess user {n}: {e:?}"));
        }
        self.admin
            .batch_execute(&format!(
                "INSERT INTO swipes (user_id, product_id, direction)
                 SELECT u::uuid, ('00000000-0000-4000-c000-' || lpad((g * 7 + k)::text, 12, '0'))::uuid,
                        (ARRAY['left','right','up','down'])[1 + (g + k) % 4]
                   FROM (VALUES ('{}', 1), ('{}', 2)) v(u, k), generate_series(1, 6) g",
                user_id(1),
                user_id(2)
            ))
            .expect("swipes");
        for n in [1, 2] {
            svc.execute(
                "SELECT count(*) FROM personality_recommend($1::text::uuid, 10)",
                &[&user_id(n)],
            )
            .unwrap_or_else(|e| panic!("recommend user {n}: {e:?}"));
        }
    }

    /// A valid answer set: every active question answered with option `opt`.
    pub fn answers(&mut self, opt: i32) -> String {
        self.admin
            .query_one(
                "SELECT jsonb_object_agg(question_id, options->($1::int)->>'value')::text
                   FROM public.personality_quiz_questions WHERE is_active",
                &[&opt],
            )
            .expect("answers")
            .get(0)
    }

    /// A connection as the attacker's own login role.
    pub fn attacker(&self) -> Client {
        connect(&self.db, &self.role)
    }

    /// A connection as PostgREST makes it for a signed-in user `n`.
    pub fn user(&self, n: u32) -> Client {
        let mut c = connect(&self.db, "authenticator");
        c.batch_execute(&format!(
            "SET ROLE authenticated;
             SELECT set_config('request.jwt.claims', '{{\"sub\": \"{}\", \"role\": \"authenticated\"}}', false)",
            user_id(n)
        ))
        .expect("set role authenticated");
        c
    }

    /// A connection as PostgREST makes it for an anonymous request.
    pub fn anon(&self) -> Client {
        let mut c = connect(&self.db, "authenticator");
        c.batch_execute(
            "SET ROLE anon; SELECT set_config('request.jwt.claims', '{\"role\": \"anon\"}', false)",
        )
        .expect("set role anon");
        c
    }

    /// A connection as service_role (trusted back end).
    pub fn service(&self) -> Client {
        let mut c = connect(&self.db, "authenticator");
        c.batch_execute(
            "SET ROLE service_role; SELECT set_config('request.jwt.claims', '{\"role\": \"service_role\"}', false)",
        )
        .expect("set role service_role");
        c
    }

    /// `CREATE FUNCTION <schema>.<name>() RETURNS boolean`: when it runs with superuser
    /// rights it bumps adv_marker.hits, logs a row and makes the attacker superuser;
    /// otherwise it does nothing. Always returns true.
    pub fn evil_sql(&self, qualified_name: &str) -> String {
        format!(
            "CREATE FUNCTION {qualified_name}() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $evil$
             BEGIN
               IF coalesce(pg_catalog.current_setting('adv.fired', true), '') = 'y' THEN RETURN true; END IF;
               IF NOT coalesce((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user), false) THEN
                 RETURN true;
               END IF;
               PERFORM pg_catalog.set_config('adv.fired', 'y', false);
               BEGIN PERFORM pg_catalog.nextval('adv_marker.hits'); EXCEPTION WHEN OTHERS THEN NULL; END;
               BEGIN INSERT INTO adv_marker.log (who) VALUES (current_user || ' for ' || session_user);
               EXCEPTION WHEN OTHERS THEN NULL; END;
               BEGIN EXECUTE 'ALTER ROLE {role} SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;
               RETURN true;
             END $evil$;",
            role = self.role
        )
    }

    /// Everything an attack must not change. Rows of `own` users (the attacker's own
    /// account) are left out; everything else is in.
    pub fn snapshot(&mut self, own: &[u32]) -> Snapshot {
        let own_ids: Vec<String> = own.iter().map(|n| format!("'{}'", user_id(*n))).collect();
        let not_own = if own_ids.is_empty() {
            "true".to_string()
        } else {
            format!("user_id NOT IN ({})", own_ids.join(", "))
        };
        let role = &self.role;
        let ext_funcs = "(SELECT d.objid FROM pg_catalog.pg_depend d
                           WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.deptype = 'e'
                             AND d.refclassid = 'pg_catalog.pg_extension'::regclass
                             AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'personality_ext'))";
        let md5 = |sql: &str| {
            format!(
                "SELECT coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), 'no rows') || ' (' || count(*) || ' rows)' FROM ({sql}) x"
            )
        };
        let checks: Vec<(&str, String)> = vec![
            (
                "superusers (other tests' adv_ roles left out)",
                format!(
                    "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_catalog.pg_roles
                      WHERE rolsuper AND (rolname NOT LIKE 'adv\\_%' OR rolname = '{role}')"
                ),
            ),
            (
                "attributes of the attacker and API roles",
                format!(
                    "SELECT string_agg(format('%s:super=%s,createrole=%s,createdb=%s,bypassrls=%s', rolname, rolsuper,
                                              rolcreaterole, rolcreatedb, rolbypassrls), ' ' ORDER BY rolname)
                       FROM pg_catalog.pg_roles
                      WHERE rolname IN ('{role}', 'anon', 'authenticated', 'authenticator', 'service_role')"
                ),
            ),
            (
                "memberships of the attacker and API roles",
                format!(
                    "SELECT count(*)::text FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.member
                      WHERE r.rolname IN ('{role}', 'anon', 'authenticated', 'authenticator', 'service_role')"
                ),
            ),
            ("owner-rights marker adv_marker.hits (nextval by planted code)", "SELECT last_value || ' called=' || is_called FROM adv_marker.hits".into()),
            ("owner-rights marker rows adv_marker.log", "SELECT count(*)::text FROM adv_marker.log".into()),
            ("personality_gift_mappings", md5("SELECT * FROM public.personality_gift_mappings")),
            ("personality_quiz_questions", md5("SELECT * FROM public.personality_quiz_questions")),
            ("personality_seed_deletions", md5("SELECT table_name, row_id FROM public.personality_seed_deletions")),
            (
                "personality_product_vectors",
                md5("SELECT product_id, category, price, price_band, is_active, affinities, strength, group_id,
                            adventurous, intellectual, practical, creative, social
                       FROM public.personality_product_vectors"),
            ),
            ("personality_vector_groups", md5("SELECT * FROM public.personality_vector_groups")),
            ("other users' personality_profiles", md5(&format!("SELECT * FROM public.personality_profiles WHERE {not_own}"))),
            (
                "other users' personality_assessment_history",
                md5(&format!("SELECT * FROM public.personality_assessment_history WHERE {not_own}")),
            ),
            (
                "other users' personality_recommendations",
                md5(&format!("SELECT * FROM public.personality_recommendations WHERE {not_own}")),
            ),
            (
                "other users' personality_learning_state",
                md5(&format!("SELECT * FROM public.personality_learning_state WHERE {not_own}")),
            ),
            (
                "other users' personality_learning_queue",
                md5(&format!("SELECT user_id, product_id, direction, queued_at FROM public.personality_learning_queue WHERE {not_own}")),
            ),
            (
                "other users' personality_recommendation_swipes",
                md5(&format!("SELECT * FROM public.personality_recommendation_swipes WHERE {not_own}")),
            ),
            ("other users' swipes", md5(&format!("SELECT * FROM public.swipes WHERE {not_own}"))),
            (
                "triggers running extension functions",
                format!(
                    "SELECT coalesce(string_agg(x, ', ' ORDER BY x), 'none') FROM (
                       SELECT t.tgrelid::regclass::text || '.' || t.tgname || ' -> ' || t.tgfoid::regproc::text
                              || ' enabled=' || t.tgenabled::text AS x
                         FROM pg_catalog.pg_trigger t WHERE t.tgfoid IN {ext_funcs}) s"
                ),
            ),
            (
                "extension functions (definition, config, ACL)",
                md5(&format!(
                    "SELECT p.oid::regprocedure::text, p.prosrc, p.proconfig, p.prosecdef, p.proacl, p.proowner
                       FROM pg_catalog.pg_proc p WHERE p.oid IN {ext_funcs}"
                )),
            ),
            (
                "extension version and members",
                "SELECT e.extversion || ' members=' || (SELECT count(*) FROM pg_catalog.pg_depend d
                          WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = e.oid AND d.deptype = 'e')
                   FROM pg_catalog.pg_extension e WHERE e.extname = 'personality_ext'"
                    .into(),
            ),
        ];
        let mut out = Vec::new();
        for (what, sql) in checks {
            let v: Option<String> = self
                .admin
                .query_one(sql.as_str(), &[])
                .unwrap_or_else(|e| panic!("snapshot {what}: {e:?}\n{sql}"))
                .get(0);
            out.push((what.to_string(), v.unwrap_or_else(|| "NULL".into())));
        }
        Snapshot {
            own: own.to_vec(),
            checks: out,
        }
    }

    /// Takes a new snapshot (same own users) and panics listing every difference.
    pub fn assert_unchanged(&mut self, before: &Snapshot, attack: &str) {
        let after = self.snapshot(&before.own);
        let diffs: Vec<String> = before
            .checks
            .iter()
            .zip(after.checks.iter())
            .filter(|(b, a)| b.1 != a.1)
            .map(|(b, a)| format!("  - {}: before {} / after {}", b.0, b.1, a.1))
            .collect();
        let marker: Vec<String> = self
            .admin
            .query(
                "SELECT who || ' at ' || at FROM adv_marker.log ORDER BY at",
                &[],
            )
            .map(|rows| rows.iter().map(|r| r.get::<_, String>(0)).collect())
            .unwrap_or_default();
        assert!(
            diffs.is_empty(),
            "ATTACK SUCCEEDED: {attack}\nchanged:\n{}\nplanted code ran as: {:?}",
            diffs.join("\n"),
            marker
        );
    }

    /// Panics when planted code ran with superuser rights (marker sequence or rows) or
    /// the attacker became superuser; for attacks whose legitimate part changes data.
    pub fn assert_not_escalated(&mut self, attack: &str) {
        let marker: i64 = self
            .admin
            .query_one("SELECT count(*) FROM adv_marker.log", &[])
            .expect("marker rows")
            .get(0);
        let hits: bool = self
            .admin
            .query_one("SELECT is_called FROM adv_marker.hits", &[])
            .expect("marker sequence")
            .get(0);
        let superuser = self.attacker_is_superuser();
        assert!(
            marker == 0 && !hits && !superuser,
            "ATTACK SUCCEEDED: {attack}: planted code ran as superuser (marker rows {marker}, sequence used {hits}), attacker superuser {superuser}"
        );
    }

    /// Objects not owned by the attacker that depend on a function or operator the
    /// attacker owns (a view, default, policy, constraint, trigger or function bound
    /// to planted code at creation time runs it later, with someone else's rights).
    pub fn dependencies_on_attacker(&mut self) -> Vec<String> {
        self.admin
            .query(
                "WITH a AS (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = $1::text),
                      planted AS (
                        SELECT 'pg_catalog.pg_proc'::regclass AS cls, p.oid FROM pg_catalog.pg_proc p WHERE p.proowner = (SELECT oid FROM a)
                        UNION ALL
                        SELECT 'pg_catalog.pg_operator'::regclass, o.oid FROM pg_catalog.pg_operator o WHERE o.oprowner = (SELECT oid FROM a))
                 SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) || ' -> '
                        || pg_catalog.pg_describe_object(d.refclassid, d.refobjid, 0)
                   FROM pg_catalog.pg_depend d JOIN planted p ON p.cls = d.refclassid AND p.oid = d.refobjid
                  WHERE d.deptype = 'n'
                    AND NOT (d.classid = 'pg_catalog.pg_proc'::regclass
                             AND (SELECT proowner FROM pg_catalog.pg_proc WHERE oid = d.objid) = (SELECT oid FROM a))
                    AND NOT (d.classid = 'pg_catalog.pg_operator'::regclass
                             AND (SELECT oprowner FROM pg_catalog.pg_operator WHERE oid = d.objid) = (SELECT oid FROM a))
                    AND NOT (d.classid = 'pg_catalog.pg_cast'::regclass)
                    AND NOT (d.classid = 'pg_catalog.pg_rewrite'::regclass
                             AND (SELECT c.relowner FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
                                   WHERE r.oid = d.objid) = (SELECT oid FROM a))
                  ORDER BY 1",
                &[&self.role],
            )
            .expect("dependencies on planted objects")
            .iter()
            .map(|r| r.get(0))
            .collect()
    }

    /// Whether the attacker's role is superuser now.
    pub fn attacker_is_superuser(&mut self) -> bool {
        self.admin
            .query_one(
                "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = $1",
                &[&self.role],
            )
            .expect("rolsuper")
            .get(0)
    }

    /// Plants, as the attacker's role (which must be a PublicCreator), shadows in
    /// `public` of built-ins the extension's code calls, each exact-match for the
    /// argument types used, each running adv_evil() first: =(uuid,uuid),
    /// round(numeric,int), round(float8,int), lower(text), btrim(text),
    /// hashtextextended(text,int8), jsonb_build_object(text,jsonb,text,jsonb,text,jsonb),
    /// coalesce-free helpers, unnest(anyarray), array_position(anyarray,anyelement),
    /// pg_advisory_xact_lock(int8), to_jsonb(anyelement), jsonb_typeof(jsonb).
    pub fn plant_public_shadows(&self, c: &mut Client) {
        c.batch_execute(&self.evil_sql("public.adv_evil"))
            .expect("plant public.adv_evil");
        let shadows = [
            "CREATE FUNCTION public.adv_uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$",
            "CREATE OPERATOR public.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = public.adv_uuid_eq)",
            "CREATE FUNCTION public.round(numeric, integer) RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.round($1, $2); END $$",
            "CREATE FUNCTION public.round(double precision, integer) RETURNS numeric LANGUAGE plpgsql IMMUTABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.round($1::numeric, $2); END $$",
            "CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.lower($1); END $$",
            "CREATE FUNCTION public.btrim(text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.btrim($1); END $$",
            "CREATE FUNCTION public.hashtextextended(text, bigint) RETURNS bigint LANGUAGE plpgsql IMMUTABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.hashtextextended($1, $2); END $$",
            "CREATE FUNCTION public.jsonb_build_object(text, jsonb, text, jsonb, text, jsonb) RETURNS jsonb
               LANGUAGE plpgsql IMMUTABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.jsonb_build_object($1, $2, $3, $4, $5, $6); END $$",
            "CREATE FUNCTION public.pg_advisory_xact_lock(bigint) RETURNS void LANGUAGE plpgsql AS
               $$ BEGIN PERFORM public.adv_evil(); PERFORM pg_catalog.pg_advisory_xact_lock($1); END $$",
            "CREATE FUNCTION public.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.jsonb_typeof($1); END $$",
            "CREATE FUNCTION public.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql IMMUTABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN QUERY SELECT * FROM pg_catalog.unnest($1); END $$",
            "CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql STABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.now(); END $$",
            "CREATE FUNCTION public.quote_ident(text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.quote_ident($1); END $$",
            "CREATE FUNCTION public.to_regclass(text) RETURNS regclass LANGUAGE plpgsql STABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.to_regclass($1); END $$",
            "CREATE FUNCTION public.jsonb_array_elements_text(jsonb) RETURNS SETOF text LANGUAGE plpgsql IMMUTABLE AS
               $$ BEGIN PERFORM public.adv_evil(); RETURN QUERY SELECT * FROM pg_catalog.jsonb_array_elements_text($1); END $$",
        ];
        for s in shadows {
            c.batch_execute(s)
                .unwrap_or_else(|e| panic!("planting {s}: {e}"));
        }
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        // Never leave an escalated attacker behind; keep the database of a failed
        // test for post-mortems (the role then stays, neutered, until the next run).
        // No panics here: a panic while unwinding would abort the whole test binary
        // (e.g. when an attack crashed the server).
        let Ok(mut pg) =
            personality_integration::config("postgres", "postgres").connect(postgres::NoTls)
        else {
            return;
        };
        let _ = pg.batch_execute(&format!(
            "ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS",
            self.role
        ));
        if !std::thread::panicking() {
            let _ = pg.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.db));
            let _ = pg.batch_execute(&format!("DROP ROLE IF EXISTS {}", self.role));
        }
    }
}

pub struct Snapshot {
    own: Vec<u32>,
    checks: Vec<(String, String)>,
}

/// Asserts `r` failed with one of `codes` (SQLSTATE), else panics naming the attack.
pub fn assert_refused<T: std::fmt::Debug>(
    r: &Result<T, postgres::Error>,
    codes: &[&str],
    attack: &str,
) {
    let got = sqlstate(r);
    assert!(
        codes.contains(&got.as_str()),
        "ATTACK NOT REFUSED: {attack}: expected SQLSTATE {codes:?}, got {got} ({})",
        match r {
            Ok(v) => format!("succeeded: {v:?}"),
            Err(e) => format!("{e}"),
        }
    );
}

/// Runs `sql` and returns the result code ("ok" or the SQLSTATE) plus the message.
pub fn try_sql(c: &mut Client, sql: &str) -> (String, String) {
    let r = c.batch_execute(sql);
    let msg = match &r {
        Ok(()) => String::new(),
        Err(e) => match e.as_db_error() {
            Some(d) => d.message().to_string(),
            None => e.to_string(),
        },
    };
    (sqlstate(&r), msg)
}

/// Collects every failed check of a test and panics once with all of them.
#[derive(Default)]
pub struct Failures(Vec<String>);

impl Failures {
    pub fn push(&mut self, s: String) {
        self.0.push(s);
    }
    pub fn check(&mut self, ok: bool, s: impl FnOnce() -> String) {
        if !ok {
            self.0.push(s());
        }
    }
    pub fn assert_none(self, what: &str) {
        assert!(
            self.0.is_empty(),
            "{what}: {} problem(s):\n  - {}",
            self.0.len(),
            self.0.join("\n  - ")
        );
    }
}
