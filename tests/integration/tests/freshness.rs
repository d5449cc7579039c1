//! A like reaches the neighbour lists without anyone calling the refresh (issue 21):
//! through the extension's own background worker (shared_preload_libraries,
//! personality.refresh_database), and through the real pg_cron where the major has it
//! (Debian's postgresql-15-cron; scripts/setup.sh installs it). Each runs a cluster of
//! its own, as the postgres user.
use personality_integration::*;
use postgres::{Client, NoTls};
use std::time::{Duration, Instant};

/// Starts a throwaway cluster with extra server options; returns its socket directory.
fn start(name: &str, port: u16, extra: &str) -> String {
    let dir = postgres_dir(name);
    let data = format!("{dir}/data");
    initdb(&data);
    let opts = format!("-p {port} -k {dir} -c listen_addresses='' -c fsync=off {extra}");
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
        "pg_ctl start: {} {}",
        String::from_utf8_lossy(&out.stderr),
        std::fs::read_to_string(format!("{dir}/log")).unwrap_or_default()
    );
    dir
}

/// Stops its cluster when dropped, also when the test panics.
struct Running(String);

impl Drop for Running {
    fn drop(&mut self) {
        stop(&self.0);
    }
}

fn stop(dir: &str) {
    let _ = as_postgres(&[
        &format!("{}/pg_ctl", pgbin()),
        "-D",
        &format!("{dir}/data"),
        "-m",
        "immediate",
        "-w",
        "stop",
    ]);
}

fn connect_to(dir: &str, port: u16) -> Client {
    postgres::Config::new()
        .host(dir)
        .port(port)
        .user("postgres")
        .dbname("postgres")
        .connect(NoTls)
        .expect("connect")
}

/// The app in the postgres database, and ten people who like products 1 and 2.
fn app_with_colikes(c: &mut Client) {
    c.batch_execute(&fixture("host_schema.sql")).expect("host");
    c.batch_execute(
        &fixture("sample_data.sql")
            .replace(":products", "60")
            .replace(":users", "10"),
    )
    .expect("data");
    c.batch_execute("CREATE EXTENSION personality_ext")
        .expect("extension");
    c.batch_execute(
        "INSERT INTO swipes (user_id, product_id, direction)
         SELECT p.id, ('00000000-0000-4000-c000-' || lpad(k::text, 12, '0'))::uuid, 'right'
           FROM profiles p, generate_series(1, 2) k",
    )
    .expect("likes");
}

/// Waits until product 1 has product 2 among its neighbours; the seconds it took.
fn wait_for_neighbours(c: &mut Client, limit: Duration) -> Option<f64> {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        let found: bool = c
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM personality_item_neighbours
                                 WHERE product_id = '00000000-0000-4000-c000-000000000001'
                                   AND '00000000-0000-4000-c000-000000000002' = ANY (neighbour_ids))",
                &[],
            )
            .expect("neighbours")
            .get(0);
        if found {
            return Some(t0.elapsed().as_secs_f64());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    None
}

#[test]
fn the_background_worker_refreshes_the_model() {
    let port = port_base() + 5;
    let dir = start(
        "worker",
        port,
        "-c shared_preload_libraries=personality_ext -c personality.refresh_database=postgres \
         -c personality.refresh_interval=2",
    );
    let _running = Running(dir.clone());
    let mut c = connect_to(&dir, port);
    let workers: i64 = c
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'personality_ext model refresh'",
            &[],
        )
        .expect("pg_stat_activity")
        .get(0);
    assert_eq!(workers, 1, "the worker is not running");
    app_with_colikes(&mut c);
    let took = wait_for_neighbours(&mut c, Duration::from_secs(60));
    let log = std::fs::read_to_string(format!("{dir}/log")).unwrap_or_default();
    let took = took.unwrap_or_else(|| panic!("no refresh within 60 s; server log:\n{log}"));
    eprintln!("a like reached the neighbour lists {took:.1} s after it was made");
    assert!(took < 60.0);
}

#[test]
fn pg_cron_schedules_the_refresh() {
    let lib = std::process::Command::new(format!("{}/pg_config", pgbin()))
        .arg("--pkglibdir")
        .output()
        .expect("pg_config");
    let lib = String::from_utf8_lossy(&lib.stdout).trim().to_string();
    if !std::path::Path::new(&format!("{lib}/pg_cron.so")).exists() {
        eprintln!("SKIPPED: pg_cron is not installed for this major ({lib}/pg_cron.so)");
        return;
    }
    let port = port_base() + 6;
    let dir = start(
        "pgcron",
        port,
        "-c shared_preload_libraries=pg_cron -c cron.database_name=postgres \
         -c cron.use_background_workers=on -c max_worker_processes=20",
    );
    let _running = Running(dir.clone());
    let mut c = connect_to(&dir, port);
    c.batch_execute("CREATE EXTENSION pg_cron")
        .expect("pg_cron");
    app_with_colikes(&mut c);
    // the README's line, every minute (pg_cron 1.4 has no seconds)
    c.batch_execute(
        "SELECT cron.schedule('personality-model', '* * * * *', 'SELECT personality_refresh_model()')",
    )
    .expect("schedule");
    let took = wait_for_neighbours(&mut c, Duration::from_secs(90));
    let runs: Vec<String> = c
        .query(
            "SELECT status || ': ' || coalesce(return_message, '') FROM cron.job_run_details ORDER BY runid",
            &[],
        )
        .map(|rows| rows.iter().map(|r| r.get(0)).collect())
        .unwrap_or_default();
    let took =
        took.unwrap_or_else(|| panic!("pg_cron's refresh did not run within 90 s: {runs:?}"));
    eprintln!("pg_cron: the like reached the neighbour lists after {took:.1} s ({runs:?})");
}
