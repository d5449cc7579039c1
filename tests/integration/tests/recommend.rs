//! personality_recommend from real clients: the threshold algorithm returns the true top
//! k (checked against a brute force that scores every product of a catalog of a few
//! thousand varied products, for several users and argument sets), who may get whose
//! recommendations (connected the way PostgREST connects), and a timing of 50 calls on
//! 20,000 products (printed, not asserted).
use personality_integration::*;
use postgres::Client;
use std::time::Instant;

/// A varied catalog: products $1..$2 (ids 00000000-0000-4000-e000-...), each with a
/// category of the ten (or none), 0..3 tags from the mappings' tags and the trait names,
/// a price from 1 to 401 (or none) and is_active mostly true, all from md5 of the
/// number: the same rows on every machine.
const VARIED_CATALOG: &str = "
WITH pool(tags) AS (
    SELECT ARRAY['outdoor','travel','adventure','camping','hiking','extreme','gadget','active',
                 'books','learning','puzzle','science','history','strategy','documentary','course',
                 'practical','useful','tools','kitchen','organization','durable','everyday','smart-home',
                 'art','craft','diy','music','design','handmade','photography','writing',
                 'party','games','sharing','dining','wine','group','entertaining','friends',
                 'adventurous','intellectual','practical','creative','social']),
h AS (SELECT g, ('x' || substr(md5('varied-' || g), 1, 15))::bit(60)::bigint AS h
        FROM generate_series($1::int, $2::int) g)
INSERT INTO products (id, name, category_id, tags, price, is_active)
SELECT ('00000000-0000-4000-e000-' || lpad(g::text, 12, '0'))::uuid, 'Varied gift #' || g,
       CASE WHEN h % 29 = 0 THEN NULL
            ELSE ('00000000-0000-4000-b000-' || lpad((1 + h % 10)::text, 12, '0'))::uuid END,
       ARRAY(SELECT pool.tags[1 + ((h >> (8 * k)) & 255) % 45] FROM generate_series(1, ((h >> 40) % 4)::int) k),
       CASE WHEN h % 31 = 0 THEN NULL ELSE round(((h >> 12) % 40000 + 100) / 100.0, 2) END,
       h % 37 <> 0
  FROM h, pool";

/// The brute force: every candidate product (active, not swiped, category not avoided by
/// a trait scored 60 or more, price <= the cap, some trait affinity) scored by the
/// documented formula (core/src/recommend.rs), from the adapter view, the mappings, the
/// swipes and the weight settings. Same as in tests/pg_regress/sql/recommend.sql.
/// The brute force, shared with the pg_regress test (a temporary function).
fn reference() -> String {
    fixture("recommend_reference.sql")
}

/// Each user takes the quiz choosing, in question i (by sort_order), the option that
/// weighs traits[i % len] most.
const USERS: [(u32, &[&str]); 5] = [
    (1, &["adventurous"]),
    (2, &["intellectual"]),
    (3, &["practical", "creative"]),
    (4, &["social"]),
    (5, &["adventurous", "social", "creative", "intellectual"]),
];

fn assess(c: &mut Client, user: u32, traits: &[&str]) -> String {
    let traits: Vec<&str> = traits.to_vec();
    c.query_one(
        "SELECT p.primary_type FROM personality_assess($1::text::uuid,
             (SELECT jsonb_object_agg(q.question_id,
                 (SELECT o->>'value' FROM jsonb_array_elements(q.options) WITH ORDINALITY e(o, i)
                   ORDER BY coalesce((o->'traits'->>($2::text[])[1 + q.sort_order % cardinality($2::text[])])::numeric, 0) DESC, i
                   LIMIT 1))
                FROM personality_quiz_questions q WHERE q.is_active), 240) p",
        &[&user_id(user), &traits],
    )
    .unwrap_or_else(|e| panic!("assessing user {user}: {e}"))
    .get(0)
}

fn varied_catalog(c: &mut Client, from: i32, to: i32) {
    c.execute(VARIED_CATALOG, &[&from, &to])
        .expect("varied catalog");
}

/// (product id, combined score) of a personality_recommend call, best first.
fn recommend(
    c: &mut Client,
    user: u32,
    limit: i32,
    occasion: Option<&str>,
    max_price: Option<f64>,
) -> Vec<(String, f64)> {
    c.query(
        "SELECT product_id::text, combined_score::float8
           FROM personality_recommend($1::text::uuid, $2, 'discover', $3, $4::float8::numeric) WITH ORDINALITY
          ORDER BY ordinality",
        &[&user_id(user), &limit, &occasion, &max_price],
    )
    .unwrap_or_else(|e| panic!("personality_recommend({user}, {limit}, {occasion:?}, {max_price:?}): {e}"))
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// (product id, combined score) of every candidate, by the brute force, best first.
fn brute_force(
    c: &mut Client,
    user: u32,
    occasion: Option<&str>,
    max_price: Option<f64>,
) -> Vec<(String, f64)> {
    c.query(
        "SELECT product_id::text, combined FROM pg_temp.rec_reference($1::text::uuid, $2, $3::float8::numeric)
          ORDER BY combined DESC, product_id",
        &[&user_id(user), &occasion, &max_price],
    )
    .expect("brute force")
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// Scores are stored with 4 decimals; the brute force is exact: allow the rounding of
/// the stored score and of the match it is made of (x 0.6 x the 1.1 price modifier).
const TOLERANCE: f64 = 0.0002;

/// Everything wrong with one fast top-k, compared with the full ranking (p_limit 1000)
/// and with the brute force.
fn compare_top_k(
    what: &str,
    k: usize,
    fast: &[(String, f64)],
    full: &[(String, f64)],
    exact: &[(String, f64)],
) -> Vec<String> {
    let mut bad = Vec::new();
    let want = k.min(exact.len());
    if fast.len() != want {
        bad.push(format!(
            "{what}: {} rows, expected {want} ({} candidates)",
            fast.len(),
            exact.len()
        ));
        return bad;
    }
    if full.len() != exact.len().min(1000) {
        bad.push(format!(
            "{what}: the full ranking has {} rows, the brute force {} candidates",
            full.len(),
            exact.len()
        ));
    }
    if let Some(i) = (1..fast.len()).find(|&i| fast[i].1 > fast[i - 1].1) {
        bad.push(format!(
            "{what}: not ordered at rank {}: {:?} after {:?}",
            i + 1,
            fast[i],
            fast[i - 1]
        ));
    }
    // The same scores as the first k of the full ranking, and nothing after them better.
    let fast_scores: Vec<f64> = fast.iter().map(|x| x.1).collect();
    let full_scores: Vec<f64> = full.iter().take(k).map(|x| x.1).collect();
    if fast_scores != full_scores {
        bad.push(format!(
            "{what}: top {k} scores {fast_scores:?} differ from the full ranking's {full_scores:?}"
        ));
    }
    let cutoff = fast.last().map(|x| x.1).unwrap_or(0.0);
    if let Some(better) = full.iter().skip(k).find(|x| x.1 > cutoff) {
        bad.push(format!(
            "{what}: {better:?} of the full ranking beats the k-th score {cutoff}"
        ));
    }
    // Products strictly above the k-th score are the same (ties at the cut may differ).
    let mut above_fast: Vec<&str> = fast
        .iter()
        .filter(|x| x.1 > cutoff)
        .map(|x| x.0.as_str())
        .collect();
    let mut above_full: Vec<&str> = full
        .iter()
        .filter(|x| x.1 > cutoff)
        .map(|x| x.0.as_str())
        .collect();
    above_fast.sort();
    above_full.sort();
    if above_fast != above_full {
        bad.push(format!(
            "{what}: products above the k-th score differ: {above_fast:?} vs {above_full:?}"
        ));
    }
    // Against the brute force: each score, and nothing better left out.
    let exact_of: std::collections::HashMap<&str, f64> =
        exact.iter().map(|x| (x.0.as_str(), x.1)).collect();
    for (id, s) in fast {
        match exact_of.get(id.as_str()) {
            None => bad.push(format!(
                "{what}: {id} is not a candidate of the brute force"
            )),
            Some(e) if (e - s).abs() > TOLERANCE => {
                bad.push(format!("{what}: {id} scored {s}, the brute force says {e}"))
            }
            _ => {}
        }
    }
    let chosen: std::collections::HashSet<&str> = fast.iter().map(|x| x.0.as_str()).collect();
    if let Some(missed) = exact
        .iter()
        .find(|x| !chosen.contains(x.0.as_str()) && x.1 > cutoff + TOLERANCE)
    {
        bad.push(format!(
            "{what}: the brute force's {missed:?} beats the k-th score {cutoff} and was left out"
        ));
    }
    for (i, (f, e)) in fast.iter().zip(exact).enumerate() {
        if (f.1 - e.1).abs() > TOLERANCE {
            bad.push(format!(
                "{what}: rank {} scores {} but the brute force's rank {} scores {}",
                i + 1,
                f.1,
                i + 1,
                e.1
            ));
            break;
        }
    }
    bad
}

/// "personality_recommend: P partitions, R round trips, F rows read, S scored" -> S.
fn scored_of(notices: &[String]) -> Option<usize> {
    let line = notices
        .iter()
        .rev()
        .find(|n| n.contains("personality_recommend:"))?;
    let head = line.split(" scored").next()?;
    head.rsplit(", ").next()?.trim().parse().ok()
}

/// Ranking (distinct product groups) against the brute force.
#[test]
fn grouped_top_k_equals_brute_force() {
    top_k_equals_brute_force("it_recommend_topk_groups", 50_000);
}

/// The threshold algorithm over the per-trait indexes (used for catalogs with more
/// distinct product groups than personality.max_groups) against the brute force.
#[test]
fn threshold_top_k_equals_brute_force() {
    top_k_equals_brute_force("it_recommend_topk", 0);
}

fn top_k_equals_brute_force(db: &str, max_groups: i32) {
    fresh_db(db, 0, 8, true);
    let (mut c, notices) = connect_with_notices(db, "postgres");
    // the 0.2.0 content ranker is what the brute force computes (the hybrid engine is
    // tested in tests/model.rs)
    c.batch_execute(&format!(
        "SET personality.max_groups = {max_groups}; SET personality.hybrid_share = 0"
    ))
    .expect("max_groups");
    varied_catalog(&mut c, 1, 4000);
    c.batch_execute(&reference()).expect("reference function");
    let counts = c
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE is_active), count(DISTINCT (category, price_band))
               FROM personality_product_vectors",
            &[],
        )
        .expect("vectors");
    let (vectors, active, partitions): (i64, i64, i64) =
        (counts.get(0), counts.get(1), counts.get(2));
    assert_eq!(vectors, 4000, "every product has a vector");
    println!("catalog: {vectors} products, {active} active, {partitions} (category, price band) partitions");
    for (user, traits) in USERS {
        let primary = assess(&mut c, user, traits);
        println!("user {user}: answers {traits:?}, primary {primary}");
    }
    // Users 3 and 5 have swiped: likes and dislikes in a few categories.
    c.batch_execute(
        "INSERT INTO swipes (user_id, product_id, direction)
         SELECT '00000000-0000-4000-d000-000000000003', p.id,
                CASE WHEN c.slug = 'toys-games' THEN 'right' ELSE 'left' END
           FROM products p JOIN categories c ON c.id = p.category_id
          WHERE c.slug IN ('toys-games', 'electronics') AND p.is_active
          ORDER BY p.id LIMIT 12;
         INSERT INTO swipes (user_id, product_id, direction)
         SELECT '00000000-0000-4000-d000-000000000005', p.id,
                CASE WHEN c.slug = 'books-media' THEN 'up' ELSE 'left' END
           FROM products p JOIN categories c ON c.id = p.category_id
          WHERE c.slug IN ('books-media', 'experiences') AND p.is_active
          ORDER BY p.id DESC LIMIT 9;",
    )
    .expect("swipes");
    let combos: [(Option<&str>, Option<f64>); 4] = [
        (None, None),
        (Some("birthday"), None),
        (None, Some(40.0)),
        (Some("housewarming"), Some(150.0)),
    ];
    let mut bad = Vec::new();
    let (mut scored_total, mut candidates_total, mut pruned_calls) = (0usize, 0usize, 0usize);
    for (user, _) in USERS {
        for (occasion, max_price) in combos {
            for k in [20usize, 5] {
                let what =
                    format!("user {user}, k {k}, occasion {occasion:?}, max price {max_price:?}");
                c.batch_execute("SET client_min_messages = debug1")
                    .expect("debug1");
                notices.lock().unwrap().clear();
                let fast = recommend(&mut c, user, k as i32, occasion, max_price);
                let scored = scored_of(&notices.lock().unwrap());
                c.batch_execute("RESET client_min_messages").expect("reset");
                let full = recommend(&mut c, user, 1000, occasion, max_price);
                let exact = brute_force(&mut c, user, occasion, max_price);
                if let Some(s) = scored {
                    scored_total += s;
                    candidates_total += exact.len();
                    if s < exact.len() {
                        pruned_calls += 1;
                    }
                    if k == 20 {
                        println!("{what}: scored {s} of {} candidates", exact.len());
                    }
                }
                bad.extend(compare_top_k(&what, k, &fast, &full, &exact));
            }
        }
    }
    println!(
        "fast calls scored {scored_total} products of {candidates_total} candidates; {pruned_calls} of 40 calls pruned"
    );
    assert!(
        bad.is_empty(),
        "{} problems:\n{}",
        bad.len(),
        bad.join("\n")
    );
    // The catalog is big enough that the threshold algorithm skips products (else this
    // test would not test it).
    assert!(
        scored_total > 0 && scored_total * 2 < candidates_total,
        "the fast calls scored {scored_total} of {candidates_total} candidates"
    );
    drop(c);
    drop_db(db);
}

#[derive(Debug, Clone, Copy)]
enum Actor {
    Anon,
    User(u32),
    /// authenticated without a sub claim
    Nobody,
    Service,
}

/// Runs `sql` (with the user id as $1) as `actor`, connected as PostgREST connects, in a
/// transaction that is committed; returns the rows' product ids.
fn as_actor(
    app: &mut Client,
    actor: Actor,
    sql: &str,
    user: u32,
) -> Result<Vec<String>, postgres::Error> {
    let mut tx = app.transaction()?;
    let (role, claims) = match actor {
        Actor::Anon => ("anon", r#"{"role": "anon"}"#.to_string()),
        Actor::User(n) => (
            "authenticated",
            format!(r#"{{"sub": "{}", "role": "authenticated"}}"#, user_id(n)),
        ),
        Actor::Nobody => ("authenticated", r#"{"role": "authenticated"}"#.to_string()),
        Actor::Service => ("service_role", r#"{"role": "service_role"}"#.to_string()),
    };
    tx.batch_execute(&format!("SET LOCAL ROLE {role}"))?;
    tx.execute(
        "SELECT set_config('request.jwt.claims', $1, true)",
        &[&claims],
    )?;
    let rows = tx.query(sql, &[&user_id(user)])?;
    tx.commit()?;
    Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
}

const RECOMMEND: &str =
    "SELECT product_id::text FROM personality_recommend($1::text::uuid, 5, 'gift_finder', 'birthday', 200)";

#[test]
fn who_may_get_recommendations() {
    let db = "it_recommend_roles";
    let mut c = fresh_db(db, 200, 4, true);
    for (user, traits) in [(1u32, &["creative"][..]), (2, &["social"][..])] {
        assess(&mut c, user, traits);
    }
    let mut app = connect(db, "authenticator");

    // A user gets their own, and reads them back through RLS.
    let own = as_actor(&mut app, Actor::User(1), RECOMMEND, 1).expect("user 1 for themselves");
    assert_eq!(own.len(), 5, "{own:?}");
    let visible = as_actor(
        &mut app,
        Actor::User(1),
        "SELECT product_id::text FROM personality_recommendations WHERE $1::text::uuid IS NOT NULL ORDER BY product_id",
        1,
    )
    .expect("reading own recommendations");
    let mut own_sorted = own.clone();
    own_sorted.sort();
    assert_eq!(visible, own_sorted);

    // Another user's: 42501, and nothing is written for them.
    let r = as_actor(&mut app, Actor::User(1), RECOMMEND, 2);
    assert_eq!(
        sqlstate(&r),
        "42501",
        "user 1 got user 2's recommendations: {r:?}"
    );
    let r = as_actor(&mut app, Actor::Nobody, RECOMMEND, 1);
    assert_eq!(sqlstate(&r), "42501", "a caller without a user id: {r:?}");
    let r = as_actor(&mut app, Actor::Anon, RECOMMEND, 1);
    assert_eq!(sqlstate(&r), "42501", "anon: {r:?}");
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM personality_recommendations WHERE user_id = $1::text::uuid",
            &[&user_id(2)],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 0, "rows were written for user 2");

    // service_role gets anyone's.
    let theirs = as_actor(&mut app, Actor::Service, RECOMMEND, 2).expect("service_role for user 2");
    assert_eq!(theirs.len(), 5);
    // User 1 still sees only their own rows.
    let visible = as_actor(
        &mut app,
        Actor::User(1),
        "SELECT product_id::text FROM personality_recommendations WHERE $1::text::uuid IS NOT NULL ORDER BY product_id",
        1,
    )
    .expect("reading own recommendations");
    assert_eq!(visible, own_sorted);

    // The user marks one as shown (the app does); a new run keeps the mark.
    let marked = as_actor(
        &mut app,
        Actor::User(1),
        "UPDATE personality_recommendations SET is_shown = true, shown_at = now()
          WHERE user_id = $1::text::uuid AND product_id = (SELECT min(product_id::text)::uuid FROM personality_recommendations)
         RETURNING product_id::text",
        1,
    )
    .expect("marking as shown");
    assert_eq!(marked.len(), 1);
    let again = as_actor(&mut app, Actor::User(1), RECOMMEND, 1).expect("second run");
    assert_eq!(again, own, "the same arguments gave other products");
    let row = c
        .query_one(
            "SELECT count(*), count(*) FILTER (WHERE is_shown), count(DISTINCT product_id)
               FROM personality_recommendations WHERE user_id = $1::text::uuid",
            &[&user_id(1)],
        )
        .unwrap();
    let (rows, shown, products): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert_eq!((rows, shown, products), (5, 1, 5));
    // A user without a profile: P0002, also through PostgREST.
    let r = as_actor(&mut app, Actor::User(3), RECOMMEND, 3);
    assert_eq!(sqlstate(&r), "P0002");
    drop(app);
    drop(c);
    drop_db(db);
}

#[test]
fn timing_of_50_calls_at_20k_products() {
    let db = "it_recommend_timing";
    let mut c = fresh_db(db, 0, 5, true);
    let t0 = Instant::now();
    varied_catalog(&mut c, 1, 20_000);
    println!(
        "20,000 products with their vectors in {:.2}s",
        t0.elapsed().as_secs_f64()
    );
    c.batch_execute(&reference()).expect("reference function");
    for (user, traits) in USERS {
        assess(&mut c, user, traits);
    }
    c.batch_execute("ANALYZE").expect("analyze");
    let combos: [(Option<&str>, Option<f64>); 3] =
        [(None, None), (Some("birthday"), None), (None, Some(40.0))];
    recommend(&mut c, 1, 20, None, None); // warm up the plans
    let mut per_combo = [(0.0f64, 0u32); 3];
    let t0 = Instant::now();
    for i in 0..50u32 {
        let (occasion, max_price) = combos[(i % 3) as usize];
        let t = Instant::now();
        let got = recommend(&mut c, 1 + i % 5, 20, occasion, max_price);
        per_combo[(i % 3) as usize].0 += t.elapsed().as_secs_f64();
        per_combo[(i % 3) as usize].1 += 1;
        assert_eq!(got.len(), 20);
    }
    let fast = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let exact = brute_force(&mut c, 1, None, None);
    let brute = t0.elapsed().as_secs_f64();
    println!(
        "50 personality_recommend calls (k = 20) on 20,000 products: {:.2}s, {:.1} ms per call; \
         one brute-force ranking in SQL ({} candidates): {:.1} ms",
        fast,
        fast * 1000.0 / 50.0,
        exact.len(),
        brute * 1000.0
    );
    for (j, (occasion, max_price)) in combos.iter().enumerate() {
        println!(
            "  occasion {occasion:?}, max price {max_price:?}: {:.1} ms per call ({} calls)",
            per_combo[j].0 * 1000.0 / f64::from(per_combo[j].1),
            per_combo[j].1
        );
    }
    drop(c);
    drop_db(db);
}
