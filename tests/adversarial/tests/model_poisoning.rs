//! Issue 20 point 3: one person's data must not pose as a crowd. Popularity, item stats,
//! side counts, neighbours and similar products count distinct people (a person's
//! repeated swipes of a product count once), and an aggregate about others is shown
//! only when personality.min_people (superuser only, default 3) people stand behind it.
use personality_adversarial::*;
use postgres::Client;
use std::collections::HashSet;

fn swipe(c: &mut Client, user: u32, product: u32, direction: &str, times: i32) {
    c.execute(
        "INSERT INTO swipes (user_id, product_id, direction)
         SELECT $1::text::uuid, $2::text::uuid, $3 FROM generate_series(1, $4)",
        &[&user_id(user), &product_id(product), &direction, &times],
    )
    .unwrap();
}

fn refresh(c: &mut Client) {
    c.query_one("SELECT personality_refresh_model(true)", &[])
        .expect("refresh");
}

fn top(c: &mut Client, user: u32, k: i32) -> Vec<(String, String)> {
    c.query(
        "SELECT product_id::text, recommendation_reasons::text FROM personality_recommend($1::text::uuid, $2)",
        &[&user_id(user), &k],
    )
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect()
}

/// A small world: users 2..=21 each like four products and dislike one.
fn world(db: &str) -> Client {
    let mut c = fresh_db(db, 60, 30, true);
    c.execute(
        "INSERT INTO swipes (user_id, product_id, direction)
         SELECT ('00000000-0000-4000-d000-' || lpad(u::text, 12, '0'))::uuid,
                ('00000000-0000-4000-c000-' || lpad((1 + (u * 7 + k * 3) % 40)::text, 12, '0'))::uuid,
                CASE WHEN k = 4 THEN 'left' ELSE 'right' END
           FROM generate_series(2, 21) u, generate_series(0, 4) k",
        &[],
    )
    .unwrap();
    c
}

/// One account's 300 likes of one product in one INSERT: one person. Before, the
/// product became popular rank 1 and entered every other person's top 10.
#[test]
fn three_hundred_likes_of_one_account_are_one_person() {
    let db = "adv_model_crowd";
    let mut c = world(db);
    refresh(&mut c);
    let mut seen = HashSet::new();
    for u in 2..=21 {
        seen.extend(top(&mut c, u, 10).into_iter().map(|x| x.0));
    }
    // a product nobody had in their top 10
    let target = (41..=60)
        .find(|p| !seen.contains(&product_id(*p)))
        .expect("a product outside every top 10");
    swipe(&mut c, 1, target, "right", 300);
    swipe(&mut c, 1, target, "up", 5);
    refresh(&mut c);
    let likes: f64 = c
        .query_one(
            "SELECT likes FROM personality_item_stats WHERE product_id = $1::text::uuid",
            &[&product_id(target)],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        likes, 1.0,
        "300 likes of one account counted as {likes} people"
    );
    let popular: bool = c
        .query_one(
            "SELECT $1::text::uuid = ANY (popular_ids) FROM personality_model_state",
            &[&product_id(target)],
        )
        .unwrap()
        .get(0);
    assert!(!popular, "one account made a product popular");
    for u in 2..=21 {
        assert!(
            top(&mut c, u, 10).iter().all(|x| x.0 != product_id(target)),
            "one account's likes put product {target} in user {u}'s top 10"
        );
    }
    drop(c);
    drop_db(db);
}

/// One person's three swipes of a product are not "popular with people who share your
/// adventurous side" (before: side_likes counted rows, 3 >= 3).
#[test]
fn three_swipes_of_one_person_share_no_side() {
    let db = "adv_model_side";
    let mut c = world(db);
    // users 1 and 22 answer the quiz as adventurously as it allows
    for u in [1u32, 22] {
        c.execute(
            "WITH answers AS (
                SELECT jsonb_object_agg(question_id,
                         (SELECT o->>'value' FROM jsonb_array_elements(options) o
                           ORDER BY (o->'traits'->>'adventurous')::numeric DESC NULLS LAST LIMIT 1)) AS a
                  FROM personality_quiz_questions WHERE is_active)
             SELECT 1 FROM answers, personality_assess($1::text::uuid, answers.a, 240)",
            &[&user_id(u)],
        )
        .unwrap();
    }
    let target = 50;
    swipe(&mut c, 1, target, "right", 3);
    refresh(&mut c);
    let side: Vec<f32> = c
        .query_one(
            "SELECT side_likes FROM personality_item_stats WHERE product_id = $1::text::uuid",
            &[&product_id(target)],
        )
        .unwrap()
        .get(0);
    assert!(
        side.iter().all(|x| *x <= 1.0),
        "one person counted as {side:?} likers with a side"
    );
    let shared: Vec<(String, String)> = top(&mut c, 22, 60)
        .into_iter()
        .filter(|x| x.1.contains("share your"))
        .collect();
    assert!(
        shared.is_empty(),
        "a side reason from one person: {shared:?}"
    );
    drop(c);
    drop_db(db);
}

/// personality_similar_products shows a co-like pair only when personality.min_people
/// people liked both products; fewer would show what one or two people like.
#[test]
fn similar_products_need_enough_people() {
    let db = "adv_model_pairs";
    let mut c = fresh_db(db, 60, 30, true);
    let (x, y) = (55u32, 56u32);
    let pair_shown = |c: &mut Client| -> bool {
        c.query(
            "SELECT 1 FROM personality_similar_products($1::text::uuid, 1000)
              WHERE product_id = $2::text::uuid AND similarity > 0",
            &[&product_id(x), &product_id(y)],
        )
        .unwrap()
        .len()
            == 1
    };
    for u in [3u32, 4] {
        swipe(&mut c, u, x, "right", 2);
        swipe(&mut c, u, y, "right", 2);
    }
    refresh(&mut c);
    assert!(!pair_shown(&mut c), "a pair of two people shown");
    // the third person makes it a crowd of the default minimum
    swipe(&mut c, 5, x, "right", 1);
    swipe(&mut c, 5, y, "right", 1);
    refresh(&mut c);
    assert!(pair_shown(&mut c), "a pair of three people not shown");
    let reasons: String = c
        .query_one(
            "SELECT reasons::text FROM personality_similar_products($1::text::uuid, 1000)
              WHERE product_id = $2::text::uuid",
            &[&product_id(x), &product_id(y)],
        )
        .unwrap()
        .get(0);
    assert!(reasons.contains("liked by 3 people"), "{reasons}");
    drop(c);
    drop_db(db);
}

/// personality.min_people is for superusers: an app user cannot lower it for their
/// session (not before the library is loaded either).
#[test]
fn min_people_is_superuser_only() {
    let db = "adv_model_min_people";
    let mut c = fresh_db(db, 10, 3, true);
    c.batch_execute(
        "DROP ROLE IF EXISTS adv_model_min_people; CREATE ROLE adv_model_min_people LOGIN;",
    )
    .unwrap();
    let mut a = connect(db, "adv_model_min_people");
    // before the library is loaded in this session: a placeholder
    a.batch_execute("SET personality.min_people = 1").unwrap();
    // loading the library (any function of it) rejects the placeholder
    a.query_one("SELECT _personality_state_slot('evidence')", &[])
        .unwrap();
    let v: String = a
        .query_one("SELECT current_setting('personality.min_people')", &[])
        .unwrap()
        .get(0);
    assert_eq!(v, "3");
    assert_eq!(
        sqlstate(&a.batch_execute("SET personality.min_people = 1")),
        "42501"
    );
    drop(a);
    drop(c);
    drop_db(db);
}

/// Issue 20 point 1, for personality_swipe_tables: objects planted in `public` before
/// CREATE EXTENSION (a preferred-type `convert_from(bytea, text)`, an exact-match
/// `&(smallint, integer)` and `<>("char", text)`, a `position` and `substr` for bytea)
/// never bind to the view, so reading it (every recommendation does, as the owner)
/// runs none of them.
#[test]
fn swipe_tables_view_binds_to_nothing_planted() {
    let mut s = Scene::without_extension("model_view_binding", Attacker::PublicCreator);
    let mut a = s.attacker();
    a.batch_execute(&s.evil_sql("public.adv_evil")).unwrap();
    a.batch_execute(
        "CREATE FUNCTION public.convert_from(bytea, text) RETURNS text LANGUAGE plpgsql STABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.convert_from($1, $2::name); END $$;
         CREATE FUNCTION public.adv_and(smallint, integer) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN $1::integer OPERATOR(pg_catalog.&) $2; END $$;
         CREATE OPERATOR public.& (LEFTARG = smallint, RIGHTARG = integer, FUNCTION = public.adv_and);
         CREATE FUNCTION public.adv_ne(\"char\", text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN $1::text OPERATOR(pg_catalog.<>) $2; END $$;
         CREATE OPERATOR public.<> (LEFTARG = \"char\", RIGHTARG = text, FUNCTION = public.adv_ne);
         CREATE FUNCTION public.position(bytea, bytea) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.position($1, $2); END $$;
         CREATE FUNCTION public.substr(bytea, integer, integer) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS
           $$ BEGIN PERFORM public.adv_evil(); RETURN pg_catalog.substr($1, $2, $3); END $$;",
    )
    .expect("bait");
    s.admin
        .batch_execute("CREATE EXTENSION personality_ext SCHEMA public")
        .expect("install");
    let bound = s.dependencies_on_attacker();
    assert!(
        bound.is_empty(),
        "bound to planted objects at install: {bound:?}"
    );
    s.load_data();
    let n: i64 = s
        .admin
        .query_one(
            "SELECT count(*) FROM personality_swipe_tables WHERE direction_column IS NOT NULL",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(n >= 1);
    s.admin
        .query_one("SELECT personality_refresh_model(true)", &[])
        .expect("refresh");
    s.assert_not_escalated("planted objects ran when personality_swipe_tables was read");
    drop(a);
}

/// Variants: one account's 300 dislikes do not bury a product for others, and the same
/// person liking a product in two attached swipe tables, in many statements, is one
/// person.
#[test]
fn one_account_is_one_person_in_every_form() {
    let db = "adv_model_variants";
    let mut c = world(db);
    c.batch_execute(
        "CREATE TABLE more_swipes (user_id uuid, product_id uuid, direction text,
                                   created_at timestamptz DEFAULT now());
         SELECT personality_attach_behavior('more_swipes', 'direction', 'statement');",
    )
    .unwrap();
    let (liked, buried) = (45u32, 46u32);
    for _ in 0..20 {
        swipe(&mut c, 1, liked, "right", 1);
        c.execute(
            "INSERT INTO more_swipes (user_id, product_id, direction) VALUES ($1::text::uuid, $2::text::uuid, 'up')",
            &[&user_id(1), &product_id(liked)],
        )
        .unwrap();
    }
    swipe(&mut c, 1, buried, "left", 300);
    // three real people like the buried product
    for u in [2u32, 3, 4] {
        swipe(&mut c, u, buried, "right", 1);
    }
    refresh(&mut c);
    let row = |c: &mut Client, p: u32| -> (f64, f64) {
        let r = c
            .query_one(
                "SELECT likes, dislikes FROM personality_item_stats WHERE product_id = $1::text::uuid",
                &[&product_id(p)],
            )
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(row(&mut c, liked), (1.0, 0.0), "two tables, 40 statements");
    assert_eq!(
        row(&mut c, buried),
        (3.0, 1.0),
        "300 dislikes of one account"
    );
    drop(c);
    drop_db(db);
}
