//! Crash recovery: kill -9 the postmaster during a swipe load, restart, and check that
//! every committed swipe's learning is there and no profile is corrupt. Runs its own
//! throwaway cluster (it is killed), as the postgres user.
use personality_integration::*;
use postgres::{Client, NoTls};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn port_crash() -> u16 {
    port_base() + 7
}

fn connect_crash(dir: &str) -> Result<Client, postgres::Error> {
    postgres::Config::new()
        .host(dir)
        .port(port_crash())
        .user("postgres")
        .dbname("crash")
        .connect(NoTls)
}

#[test]
fn learning_survives_a_crash() {
    let dir = postgres_dir("crash");
    let port = port_crash();
    let data = format!("{dir}/data");
    initdb(&data);
    let opts =
        format!("-p {port} -k {dir} -c listen_addresses='' -c fsync=on -c synchronous_commit=on");
    let start = || {
        let out = as_postgres(&[
            &format!("{}/pg_ctl", pgbin()),
            "-D",
            &data,
            "-o",
            &opts,
            "-l",
            &format!("{dir}/log"),
            "-w",
            "start",
        ]);
        assert!(
            out.status.success(),
            "pg_ctl start: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    start();
    let mut admin = postgres::Config::new()
        .host(&dir)
        .port(port_crash())
        .user("postgres")
        .dbname("postgres")
        .connect(NoTls)
        .expect("connect");
    admin.batch_execute("CREATE DATABASE crash").expect("db");
    let mut c = connect_crash(&dir).expect("connect crash db");
    c.batch_execute(&fixture("host_schema.sql")).expect("host");
    c.batch_execute(
        &fixture("sample_data.sql")
            .replace(":products", "500")
            .replace(":users", "8"),
    )
    .expect("data");
    c.batch_execute("CREATE EXTENSION personality_ext")
        .expect("extension");

    // 8 writers, one user each, swiping as fast as they can until the crash.
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for w in 1..=8u32 {
        let (stop, acknowledged, dir) = (stop.clone(), acknowledged.clone(), dir.clone());
        handles.push(std::thread::spawn(move || {
            let Ok(mut c) = connect_crash(&dir) else { return 0u64 };
            let mut ok = 0u64;
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                let dirn = ["right", "left", "up", "down"][(i % 4) as usize];
                let r = c.execute(
                    "INSERT INTO swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, $3)",
                    &[&user_id(w), &product_id(1 + (i * 7 + w) % 490), &dirn],
                );
                match r {
                    Ok(_) => {
                        ok += 1;
                        acknowledged.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(_) => break, // the server went away
                }
            }
            ok
        }));
    }
    std::thread::sleep(Duration::from_millis(2500));
    let pid = std::fs::read_to_string(format!("{data}/postmaster.pid"))
        .expect("pid file")
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(Command::new("kill")
        .args(["-9", &pid])
        .status()
        .expect("kill")
        .success());
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    let per_writer: Vec<u64> = handles.into_iter().map(|h| h.join().unwrap_or(0)).collect();
    let acked = acknowledged.load(Ordering::Relaxed);
    assert!(acked > 50, "too few swipes before the crash: {acked}");
    drop(c);
    drop(admin);

    // Kill any orphaned backends left by the SIGKILL, then crash recovery.
    let _ = Command::new("pkill")
        .args(["-9", "-f", &format!("postgres: .*{port}")])
        .status();
    std::thread::sleep(Duration::from_millis(500));
    // the killed postmaster left its pid and socket lock files behind
    let _ = std::fs::remove_file(format!("{data}/postmaster.pid"));
    let _ = std::fs::remove_file(format!("{dir}/.s.PGSQL.{port}.lock"));
    let _ = std::fs::remove_file(format!("{dir}/.s.PGSQL.{port}"));
    start();
    let mut c = connect_crash(&dir).expect("connect after recovery");
    for w in 1..=8u32 {
        let row = c
            .query_one(
                &format!(
                    "SELECT (SELECT count(*) FROM swipes WHERE user_id = $1::text::uuid),
                        (SELECT {LEARNT_SWIPES} FROM personality_profiles p
                          WHERE user_id = $1::text::uuid)"
                ),
                &[&user_id(w)],
            )
            .expect("counts");
        let swipes: i64 = row.get(0);
        let evidence: Option<i64> = row.get(1);
        // every acknowledged commit survived, and each committed swipe was learned exactly once
        assert!(
            swipes as u64 >= per_writer[(w - 1) as usize],
            "user {w}: {swipes} swipes < {} acknowledged",
            per_writer[(w - 1) as usize]
        );
        assert_eq!(
            evidence.unwrap_or(0),
            swipes,
            "user {w}: learning and swipes disagree after the crash"
        );
    }
    // no corrupt profile: every one is a JSON object with five traits in range
    let bad: i64 = c
        .query_one(
            "SELECT count(*) FROM personality_profiles p
              WHERE jsonb_typeof(p.personality_scores) <> 'object'
                 OR NOT (p.personality_scores ?& ARRAY['adventurous','intellectual','practical','creative','social'])
                 OR EXISTS (SELECT 1 FROM jsonb_each(p.personality_scores) e
                             WHERE e.key IN ('adventurous','intellectual','practical','creative','social')
                               AND ((e.value)::text::float8 < 0 OR (e.value)::text::float8 > 100))
                 OR calculate_personality_product_match(p.personality_scores, NULL, NULL) IS NULL",
            &[],
        )
        .expect("profiles")
        .get(0);
    assert_eq!(bad, 0);
    drop(c);
    let _ = as_postgres(&[
        &format!("{}/pg_ctl", pgbin()),
        "-D",
        &data,
        "-m",
        "immediate",
        "stop",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
}
