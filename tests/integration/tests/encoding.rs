//! Any server encoding (issue 20, point 7): in a LATIN1 database, product names,
//! categories, tags and quiz answers with non-ASCII letters made pgrx panic (XX000)
//! where Rust read a text datum as `&str`/`String`. The whole user path runs here in a
//! LATIN1 database: quiz, swipes (row and statement triggers), the model refresh,
//! recommendations with "because you liked <name>" reasons, similar products,
//! personality_product_traits; no XX000 anywhere, and the names come back intact.
use personality_integration::*;
use postgres::Client;

const DB: &str = "it_latin1";

fn setup() -> Client {
    ensure_roles();
    let mut admin = connect("postgres", "postgres");
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {DB} WITH (FORCE)"))
        .unwrap();
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {DB} ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
        ))
        .expect("a LATIN1 database");
    let mut c = connect(DB, "postgres");
    c.batch_execute(&fixture("host_schema.sql"))
        .expect("host schema");
    let sample = fixture("sample_data.sql")
        .replace(":products", "30")
        .replace(":users", "6");
    c.batch_execute(&sample).expect("sample data");
    // non-ASCII names, a non-ASCII category and tags, all representable in LATIN1
    c.batch_execute(
        "INSERT INTO categories (id, slug, name)
         VALUES ('00000000-0000-4000-b000-000000000099', 'pâtisserie-crème', 'Pâtisserie & crème');
         UPDATE products SET name = 'Crème brûlée n°' || right(id::text, 2),
                             tags = tags || ARRAY['détente', 'façon maison'];
         UPDATE products SET category_id = '00000000-0000-4000-b000-000000000099'
          WHERE right(id::text, 2)::int % 3 = 0;",
    )
    .expect("accented catalog");
    c.batch_execute("CREATE EXTENSION personality_ext")
        .expect("create extension in LATIN1");
    c
}

fn not_xx000<T>(what: &str, r: &Result<T, postgres::Error>) {
    let s = sqlstate(r);
    assert_ne!(
        s,
        "XX000",
        "{what}: internal error {r:?}",
        r = r.as_ref().err()
    );
}

fn ok<T>(what: &str, r: Result<T, postgres::Error>) -> T {
    r.unwrap_or_else(|e| panic!("{what}: {e:?}"))
}

#[test]
fn a_latin1_database_with_accented_names_works() {
    let mut c = setup();
    c.batch_execute(
        "CREATE TABLE swipes_bulk (LIKE swipes INCLUDING DEFAULTS);
         SELECT personality_attach_behavior('swipes_bulk', 'direction', 'statement');",
    )
    .expect("statement-level learning");
    let answers = quiz_answers(&mut c);
    for n in 1..=6 {
        ok(
            "personality_assess",
            c.query_one(
                "SELECT primary_type FROM personality_assess($1::text::uuid, $2::text::jsonb)",
                &[&user_id(n), &answers],
            ),
        );
    }
    // everyone likes products 1-5; users 2-6 also like 6-10 (row trigger), and a bulk
    // statement of the same swipes (statement trigger)
    ok(
        "swipes",
        c.batch_execute(
            "INSERT INTO swipes (user_id, product_id, direction)
             SELECT p.id, ('00000000-0000-4000-c000-' || lpad(g::text, 12, '0'))::uuid, 'right'
               FROM profiles p, generate_series(1, 10) g
              WHERE g <= 5 OR p.id <> '00000000-0000-4000-d000-000000000001';
             INSERT INTO swipes_bulk (user_id, product_id, direction)
             SELECT user_id, product_id, direction FROM swipes;",
        ),
    );
    ok(
        "refresh",
        c.query_one("SELECT personality_refresh_model(true)", &[]),
    );
    let rows = ok(
        "personality_recommend",
        c.query(
            "SELECT recommendation_reasons::text FROM personality_recommend($1::text::uuid, 10)",
            &[&user_id(1)],
        ),
    );
    assert!(!rows.is_empty());
    let reasons: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let because: Vec<&String> = reasons
        .iter()
        .filter(|r| r.contains("because you liked"))
        .collect();
    assert!(
        !because.is_empty(),
        "the \"because you liked\" path ran: {reasons:?}"
    );
    for r in because {
        assert!(
            r.contains("because you liked Crème brûlée n°"),
            "the name comes back intact: {r}"
        );
    }
    ok(
        "similar products",
        c.query(
            "SELECT * FROM personality_similar_products($1::text::uuid, 5)",
            &[&product_id(1)],
        ),
    );
    let traits: String = ok(
        "personality_product_traits",
        c.query_one(
            "SELECT personality_product_traits('pâtisserie-crème', ARRAY['détente', 'hiking'])::text",
            &[],
        ),
    )
    .get(0);
    assert!(traits.contains("adventurous"), "{traits}");
    // every other entry point that takes text, with non-ASCII input
    for sql in [
        "SELECT personality_score_quiz('{\"q01\": \"réponse\"}'::jsonb)",
        "SELECT calculate_personality_product_match('{\"adventurous\": 80, \"créatif\": 1}', '[\"détente\"]', NULL)",
        "SELECT _personality_setting('personnalité')",
        "SELECT _personality_state_slot('évidence')",
        "SELECT * FROM personality_recommend('00000000-0000-4000-d000-000000000002', 5, 'discover', 'anniversaire été')",
        "SELECT personality_sync_profile(NULL)",
        "SELECT count(*) FROM personality_learning",
    ] {
        not_xx000(sql, &c.query(sql, &[]));
    }
    drop_db(DB);
}
