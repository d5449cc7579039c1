//! Helpers for the client-side integration tests of personality_ext: a real server
//! (started by scripts/test.sh, found through PERSONALITY_IT_HOST / _PORT), fresh
//! databases per test, Supabase-like roles, and the host schema fixtures.
use postgres::{Client, Config, NoTls};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex, Once};

/// The server's bin directory (pg_ctl, pg_dump, ...): PERSONALITY_IT_PGBIN, set by
/// scripts/test.sh to the major under test; Debian's PostgreSQL 15 otherwise.
pub fn pgbin() -> String {
    std::env::var("PERSONALITY_IT_PGBIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into())
}

/// First of the ports the tests that run clusters of their own may use (crash: +7,
/// standby: +8 and +9): PERSONALITY_IT_PORT_BASE, so parallel runs do not collide.
pub fn port_base() -> u16 {
    std::env::var("PERSONALITY_IT_PORT_BASE")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(5490)
}

pub fn host() -> String {
    std::env::var("PERSONALITY_IT_HOST").unwrap_or_else(|_| "/tmp".into())
}

pub fn port() -> u16 {
    std::env::var("PERSONALITY_IT_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(5432)
}

pub fn root() -> PathBuf {
    std::env::var("PERSONALITY_IT_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

pub fn fixture(name: &str) -> String {
    let p = root().join("tests/fixtures").join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

pub fn config(db: &str, user: &str) -> Config {
    let mut c = Config::new();
    c.host(&host()).port(port()).dbname(db).user(user);
    c
}

pub fn connect(db: &str, user: &str) -> Client {
    config(db, user)
        .connect(NoTls)
        .unwrap_or_else(|e| panic!("connect to {db} as {user}: {e}"))
}

/// A connection that records every NOTICE/WARNING the server sends.
pub fn connect_with_notices(db: &str, user: &str) -> (Client, Arc<Mutex<Vec<String>>>) {
    let notices = Arc::new(Mutex::new(Vec::new()));
    let sink = notices.clone();
    let client = config(db, user)
        .notice_callback(move |n| {
            if let Ok(mut v) = sink.lock() {
                v.push(format!("{}: {}", n.severity(), n.message()));
            }
        })
        .connect(NoTls)
        .unwrap_or_else(|e| panic!("connect to {db} as {user}: {e}"));
    (client, notices)
}

static ROLES: Once = Once::new();

/// Supabase's roles, as Supabase has them: anon and authenticated are switched to by
/// the login role `authenticator` (like PostgREST does), service_role bypasses RLS.
pub fn ensure_roles() {
    ROLES.call_once(|| {
        let mut c = connect("postgres", "postgres");
        c.batch_execute(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
                 CREATE ROLE anon NOLOGIN NOINHERIT; END IF;
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
                 CREATE ROLE authenticated NOLOGIN NOINHERIT; END IF;
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
                 CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS; END IF;
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticator') THEN
                 CREATE ROLE authenticator LOGIN NOINHERIT; END IF;
               GRANT anon, authenticated, service_role TO authenticator;
             END $$;",
        )
        .expect("creating roles");
    });
}

/// A fresh database `name` with the host schema, `products` sample products and
/// `users` sample users; the extension is created when `with_extension`.
pub fn fresh_db(name: &str, products: i32, users: i32, with_extension: bool) -> Client {
    ensure_roles();
    let mut admin = connect("postgres", "postgres");
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .expect("drop database");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create database");
    let mut c = connect(name, "postgres");
    c.batch_execute(&fixture("host_schema.sql"))
        .expect("host schema");
    c.batch_execute("GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role")
        .expect("grant usage");
    let sample = fixture("sample_data.sql")
        .replace(":products", &products.to_string())
        .replace(":users", &users.to_string());
    c.batch_execute(&sample).expect("sample data");
    if with_extension {
        c.batch_execute("CREATE EXTENSION personality_ext")
            .expect("create extension");
    }
    c
}

pub fn drop_db(name: &str) {
    let mut admin = connect("postgres", "postgres");
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

/// Runs a PostgreSQL client program (pg_dump, pg_restore, ...) against the test server.
pub fn run_pg_tool(tool: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(format!("{}/{tool}", pgbin()))
        .args(["-h", &host(), "-p", &port().to_string(), "-U", "postgres"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {tool}: {e}"));
    out
}

/// The SQLSTATE of a failed statement, or "ok".
pub fn sqlstate<T>(r: &Result<T, postgres::Error>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => e
            .code()
            .map(|c| c.code().to_string())
            .unwrap_or_else(|| format!("no sqlstate: {e}")),
    }
}

/// User ids of the sample users (tests/fixtures/sample_data.sql).
pub fn user_id(n: u32) -> String {
    format!("00000000-0000-4000-d000-{n:012}")
}

/// Product ids of the sample products.
pub fn product_id(n: u32) -> String {
    format!("00000000-0000-4000-c000-{n:012}")
}

/// Runs a command as the postgres user (initdb refuses root).
pub fn as_postgres(args: &[&str]) -> std::process::Output {
    Command::new("sudo")
        .args(["-u", "postgres", "-H"])
        .args(args)
        .output()
        .expect("sudo")
}

/// A fresh directory under /tmp owned by postgres, for a test's own clusters.
pub fn postgres_dir(name: &str) -> String {
    let dir = format!("/tmp/personality_{name}_{}", std::process::id());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let ok = Command::new("chown")
        .args(["postgres", &dir])
        .status()
        .expect("chown")
        .success();
    assert!(ok, "chown {dir}");
    dir
}

/// initdb of a throwaway cluster in `data` (trust authentication, superuser postgres).
pub fn initdb(data: &str) {
    let out = as_postgres(&[
        &format!("{}/initdb", pgbin()),
        "-D",
        data,
        "-A",
        "trust",
        "-U",
        "postgres",
    ]);
    assert!(
        out.status.success(),
        "initdb {data}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A user's learnt swipes as a SQL expression over `personality_profiles p`: the live
/// learning state (personality_learning), else the profile row's behavior_evidence.
pub const LEARNT_SWIPES: &str =
    "coalesce((SELECT l.swipes FROM personality_learning l WHERE l.user_id = p.user_id), \
     (p.personality_scores->>'behavior_evidence')::bigint)";

/// [`LEARNT_SWIPES`] for the informative swipes (behavior_informative).
pub const LEARNT_INFORMATIVE: &str = "coalesce((SELECT l.informative_swipes FROM personality_learning l WHERE l.user_id = p.user_id), \
     (p.personality_scores->>'behavior_informative')::bigint)";

/// A user's learnt swipes ([`LEARNT_SWIPES`]), None without a profile row. Unqualified
/// names: the connection's search_path must reach the extension's schema.
pub fn learnt_swipes(c: &mut Client, user: &str) -> Option<i64> {
    c.query_opt(
        &format!(
            "SELECT {LEARNT_SWIPES} FROM personality_profiles p WHERE user_id = $1::text::uuid"
        ),
        &[&user],
    )
    .unwrap_or_else(|e| panic!("reading learnt swipes of {user}: {e}"))
    .and_then(|r| r.get::<_, Option<i64>>(0))
}

/// A user's stored swipes, summed over `tables` (each has a `user_id uuid` column).
pub fn stored_swipes(c: &mut Client, tables: &[&str], user: &str) -> i64 {
    tables
        .iter()
        .map(|t| {
            c.query_one(
                &format!("SELECT count(*) FROM {t} WHERE user_id = $1::text::uuid"),
                &[&user],
            )
            .unwrap_or_else(|e| panic!("counting {t} of {user}: {e}"))
            .get::<_, i64>(0)
        })
        .sum()
}

/// `SELECT personality_sync_profile(NULL)` as postgres: writes all pending learning.
pub fn sync_all(c: &mut Client) {
    c.query_one("SELECT personality_sync_profile(NULL)", &[])
        .unwrap_or_else(|e| panic!("personality_sync_profile(NULL): {e:?}"));
}

/// A valid quiz answer set: each active question answered with its first option.
pub fn quiz_answers(c: &mut Client) -> String {
    c.query_one(
        "SELECT jsonb_object_agg(question_id, options->0->>'value')::text
           FROM personality_quiz_questions WHERE is_active",
        &[],
    )
    .expect("building quiz answers")
    .get(0)
}

/// A connection as `authenticator` switched to `authenticated` for user `user` for the
/// whole session (PostgREST does it per transaction; the effect is the same).
pub fn connect_as_app_user(db: &str, user: &str) -> Client {
    let mut c = connect(db, "authenticator");
    c.batch_execute("SET ROLE authenticated")
        .expect("SET ROLE authenticated");
    c.execute(
        "SELECT set_config('request.jwt.claims', $1, false)",
        &[&format!(r#"{{"sub": "{user}", "role": "authenticated"}}"#)],
    )
    .expect("setting request.jwt.claims");
    c
}

/// A histogram of SQLSTATEs ("57014 x3, 40P01 x1") of recorded errors.
pub fn sqlstate_summary(states: &[String]) -> String {
    let mut m = std::collections::BTreeMap::<&str, usize>::new();
    for s in states {
        *m.entry(s.as_str()).or_default() += 1;
    }
    m.iter()
        .map(|(k, v)| format!("{k} x{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SQLSTATE and message of an error, for reports.
pub fn describe(e: &postgres::Error) -> (String, String) {
    match e.as_db_error() {
        Some(d) => (d.code().code().to_string(), d.message().to_string()),
        None => ("client".into(), e.to_string()),
    }
}
