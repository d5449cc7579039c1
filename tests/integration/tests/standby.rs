//! Replica: a streaming hot standby on loopback (pg_basebackup) receives all personality
//! data; the read paths work there; personality_recommend fails with a clear error.
//! Runs its own primary and standby clusters, as the postgres user.
use personality_integration::*;
use postgres::{Client, NoTls};
use std::time::{Duration, Instant};

fn primary_port() -> u16 {
    port_base() + 8
}

fn standby_port() -> u16 {
    port_base() + 9
}

fn connect_at(dir: &str, port: u16, db: &str) -> Client {
    postgres::Config::new()
        .host(dir)
        .port(port)
        .user("postgres")
        .dbname(db)
        .connect(NoTls)
        .unwrap_or_else(|e| panic!("connect {dir}:{port}/{db}: {e}"))
}

fn start(data: &str, dir: &str, port: u16) {
    let opts = format!("-p {port} -k {dir} -c listen_addresses=''");
    let out = as_postgres(&[
        &format!("{}/pg_ctl", pgbin()),
        "-D",
        data,
        "-o",
        &opts,
        "-l",
        &format!("{data}.log"),
        "-w",
        "start",
    ]);
    assert!(
        out.status.success(),
        "pg_ctl start {data}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn standby_serves_reads() {
    let dir = postgres_dir("standby");
    let primary = format!("{dir}/primary");
    let standby = format!("{dir}/standby");
    initdb(&primary);
    std::fs::write(
        format!("{primary}/pg_hba.conf"),
        "local all all trust\nlocal replication all trust\n",
    )
    .expect("hba");
    start(&primary, &dir, primary_port());
    connect_at(&dir, primary_port(), "postgres")
        .batch_execute("CREATE DATABASE app")
        .expect("db");
    let mut p = connect_at(&dir, primary_port(), "app");
    p.batch_execute(&fixture("host_schema.sql")).expect("host");
    p.batch_execute(
        &fixture("sample_data.sql")
            .replace(":products", "300")
            .replace(":users", "5"),
    )
    .expect("data");
    p.batch_execute("CREATE EXTENSION personality_ext")
        .expect("extension");
    // a profile from the quiz, a recommendation, some learning
    p.batch_execute(
        "SELECT * FROM personality_assess('00000000-0000-4000-d000-000000000001',
            (SELECT jsonb_object_agg(question_id, options->0->>'value') FROM personality_quiz_questions), 200);
         SELECT count(*) FROM personality_recommend('00000000-0000-4000-d000-000000000001', 5);
         INSERT INTO swipes (user_id, product_id, direction)
         SELECT '00000000-0000-4000-d000-000000000001', id, 'right' FROM products ORDER BY id LIMIT 5;",
    )
    .expect("fill");

    // standby from a base backup, streaming
    let out = as_postgres(&[
        &format!("{}/pg_basebackup", pgbin()),
        "-h",
        &dir,
        "-p",
        &primary_port().to_string(),
        "-U",
        "postgres",
        "-D",
        &standby,
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
    ]);
    assert!(
        out.status.success(),
        "pg_basebackup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    start(&standby, &dir, standby_port());
    let mut s = connect_at(&dir, standby_port(), "app");
    let in_recovery: bool = s
        .query_one("SELECT pg_is_in_recovery()", &[])
        .expect("q")
        .get(0);
    assert!(in_recovery);

    // later writes on the primary arrive
    p.batch_execute(
        "INSERT INTO swipes (user_id, product_id, direction)
         SELECT '00000000-0000-4000-d000-000000000001', id, 'left' FROM products ORDER BY id DESC LIMIT 3;",
    )
    .expect("more swipes");
    let snapshot = "SELECT (SELECT count(*) FROM personality_profiles)::text || '/' ||
                           (SELECT count(*) FROM personality_assessment_history)::text || '/' ||
                           (SELECT count(*) FROM personality_recommendations)::text || '/' ||
                           (SELECT count(*) FROM personality_product_vectors)::text || '/' ||
                           (SELECT personality_scores::text FROM personality_profiles
                             WHERE user_id = '00000000-0000-4000-d000-000000000001')";
    let want: String = p.query_one(snapshot, &[]).expect("primary").get(0);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got: String = s.query_one(snapshot, &[]).expect("standby").get(0);
        if got == want {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "standby did not catch up: {got} vs {want}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // read paths on the standby
    let m: String = s
        .query_one(
            "SELECT calculate_personality_product_match(personality_scores,
                      personality_product_traits('sports-outdoors', ARRAY['hiking']), NULL)::text
               FROM personality_profiles WHERE user_id = '00000000-0000-4000-d000-000000000001'",
            &[],
        )
        .expect("match on the standby")
        .get(0);
    assert!(m.starts_with('0') || m == "1.0000", "{m}");
    let n: i64 = s
        .query_one("SELECT count(*) FROM personality_recommendations WHERE user_id = '00000000-0000-4000-d000-000000000001'", &[])
        .expect("read recommendations")
        .get(0);
    assert_eq!(n, 5);
    let q: String = s
        .query_one(
            "SELECT personality_score_quiz('{\"q01\": \"new_trail\"}')->>'primary_type'",
            &[],
        )
        .expect("score a quiz on the standby")
        .get(0);
    assert_eq!(q, "adventurous");
    let h: String = s
        .query_one("SELECT alert_level FROM personality_health()", &[])
        .expect("health")
        .get(0);
    assert!(["ok", "warning", "critical"].contains(&h.as_str()));

    // writes fail clearly
    let r = s.query(
        "SELECT * FROM personality_recommend('00000000-0000-4000-d000-000000000001', 5)",
        &[],
    );
    let e = r.expect_err("personality_recommend on a standby");
    assert_eq!(
        e.code().map(|c| c.code()),
        Some("25006"),
        "{:?}",
        e.as_db_error()
    );
    let msg = e
        .as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_default();
    assert!(msg.contains("read-only standby"), "{msg}");

    drop((p, s));
    for d in [&standby, &primary] {
        let _ = as_postgres(&[
            &format!("{}/pg_ctl", pgbin()),
            "-D",
            d,
            "-m",
            "immediate",
            "stop",
        ]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
