//! Class: the host's row-level security on `products` (issue 20 point 2).
//!
//! personality_recommend and personality_similar_products run with the owner's rights,
//! which bypass the host's policies. A product the caller cannot SELECT under the
//! host's own policies must never be returned to them, stored for them, or named in
//! a reason ("because you liked X").
use personality_adversarial::*;
use postgres::Client;
use std::collections::HashSet;

/// The number at the end of a sample product id.
fn number(id: &str) -> u32 {
    id.rsplit('-')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("sample product id")
}

/// Ids of the products this connection may SELECT among `ids`.
fn selectable(c: &mut Client, ids: &[String]) -> HashSet<String> {
    c.query(
        "SELECT id::text FROM products WHERE id = ANY($1::text[]::uuid[])",
        &[&ids],
    )
    .expect("the caller's own view of products")
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// A scene where user 1 sees products whose number is 0 mod 4 and user 2 those that
/// are 1 mod 4 (a per-user policy on request.jwt.claims, as on Supabase); a crowd has
/// liked hidden and visible products together, user 1 liked two hidden ones, and the
/// model is refreshed, so "because you liked <hidden product>" is what the engine
/// would say.
fn scene(name: &str) -> Scene {
    let mut s = Scene::new(name, Attacker::NoGrants);
    let crowd: Vec<String> = (3..=30).map(user_id).collect();
    s.admin
        .execute(
            "INSERT INTO profiles (id, email, display_name)
             SELECT u::uuid, u || '@example.com', u FROM unnest($1::text[]) u ON CONFLICT DO NOTHING",
            &[&crowd],
        )
        .expect("crowd profiles");
    s.admin
        .execute(
            "INSERT INTO swipes (user_id, product_id, direction)
             SELECT u::uuid, ('00000000-0000-4000-c000-' || lpad(p::text, 12, '0'))::uuid, 'right'
               FROM unnest($1::text[]) u, unnest(ARRAY[5, 9, 13, 17, 8, 12, 16, 20, 24, 28]) p",
            &[&crowd],
        )
        .expect("crowd swipes");
    s.admin
        .execute(
            "INSERT INTO swipes (user_id, product_id, direction)
             VALUES ($1::text::uuid, '00000000-0000-4000-c000-000000000005', 'right'),
                    ($1::text::uuid, '00000000-0000-4000-c000-000000000009', 'right')",
            &[&user_id(1)],
        )
        .expect("user 1 likes two products");
    s.admin
        .batch_execute("SELECT personality_refresh_model(true)")
        .expect("refresh");
    s.admin
        .batch_execute(&format!(
            "ALTER TABLE products ENABLE ROW LEVEL SECURITY;
             CREATE POLICY products_per_user ON products FOR SELECT TO anon, authenticated
               USING (right(id::text, 4)::int % 4 =
                      CASE WHEN nullif(current_setting('request.jwt.claims', true), '')::jsonb->>'sub' = '{}'
                           THEN 1 ELSE 0 END);
             DELETE FROM personality_recommendations;",
            user_id(2)
        ))
        .expect("host policy");
    s
}

#[test]
fn recommend_returns_stores_and_names_only_products_the_caller_may_select() {
    let mut s = scene("rls_recommend");
    let hidden_names: Vec<String> = s
        .admin
        .query(
            "SELECT name FROM products WHERE right(id::text, 4)::int % 4 <> 0",
            &[],
        )
        .expect("hidden names")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut u = s.user(ATTACKER_USER);
    let rows = u
        .query(
            "SELECT product_id::text, recommendation_reasons::text
               FROM personality_recommend($1::text::uuid, 20)",
            &[&user_id(ATTACKER_USER)],
        )
        .expect("recommend under host RLS");
    let ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert!(
        ids.len() >= 10,
        "too few recommendations to judge: {}",
        ids.len()
    );
    let seen = selectable(&mut u, &ids);
    let leaked: Vec<&String> = ids.iter().filter(|i| !seen.contains(*i)).collect();
    assert!(
        leaked.is_empty(),
        "ATTACK SUCCEEDED: personality_recommend returned {} products the caller cannot SELECT under the host's RLS: {leaked:?}",
        leaked.len()
    );
    assert!(ids.iter().all(|i| number(i).is_multiple_of(4)), "{ids:?}");
    for r in &rows {
        let reasons: String = r.get(1);
        let named: Vec<&String> = hidden_names
            .iter()
            .filter(|n| reasons.contains(&format!("because you liked {n}\"")))
            .collect();
        assert!(
            named.is_empty(),
            "ATTACK SUCCEEDED: a reason names a product hidden from the caller: {reasons}"
        );
    }
    // What is stored for them (read as they may read it, and as the owner).
    let stored: Vec<String> = s
        .admin
        .query(
            "SELECT product_id::text FROM personality_recommendations WHERE user_id = $1::text::uuid",
            &[&user_id(ATTACKER_USER)],
        )
        .expect("stored")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(stored.len(), ids.len(), "stored rows: {stored:?}");
    let seen = selectable(&mut u, &stored);
    assert!(
        stored.iter().all(|i| seen.contains(i)),
        "ATTACK SUCCEEDED: rows stored for the caller name products hidden from them: {stored:?}"
    );
    // Another user's policy shows them other products.
    let mut v = s.user(VICTIM);
    let theirs: Vec<String> = v
        .query(
            "SELECT product_id::text FROM personality_recommend($1::text::uuid, 20)",
            &[&user_id(VICTIM)],
        )
        .expect("victim recommend")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(!theirs.is_empty());
    assert!(
        theirs.iter().all(|i| number(i) % 4 == 1),
        "user 2 got products outside their policy: {theirs:?}"
    );
    // A role that bypasses row-level security (service_role) is not filtered.
    let mut svc = s.service();
    let all: Vec<String> = svc
        .query(
            "SELECT product_id::text FROM personality_recommend($1::text::uuid, 20)",
            &[&user_id(ATTACKER_USER)],
        )
        .expect("service_role recommend")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        all.iter().any(|i| !number(i).is_multiple_of(4)),
        "service_role bypasses RLS and should see every product: {all:?}"
    );
}

#[test]
fn similar_products_lists_only_products_the_caller_may_select() {
    let mut s = scene("rls_similar");
    let mut u = s.user(ATTACKER_USER);
    for p in [8, 5, 12] {
        let ids: Vec<String> = u
            .query(
                "SELECT product_id::text FROM personality_similar_products($1::text::uuid, 30)",
                &[&product_id(p)],
            )
            .expect("similar products under host RLS")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(!ids.is_empty(), "nothing similar to product {p}");
        let seen = selectable(&mut u, &ids);
        let leaked: Vec<&String> = ids.iter().filter(|i| !seen.contains(*i)).collect();
        assert!(
            leaked.is_empty(),
            "ATTACK SUCCEEDED: personality_similar_products({p}) listed products the caller cannot SELECT: {leaked:?}"
        );
    }
    // Without row-level security on products nothing is filtered.
    s.admin
        .batch_execute("ALTER TABLE products DISABLE ROW LEVEL SECURITY")
        .expect("disable");
    let ids: Vec<String> = u
        .query(
            "SELECT product_id::text FROM personality_similar_products($1::text::uuid, 30)",
            &[&product_id(8)],
        )
        .expect("similar products without RLS")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(ids.iter().any(|i| !number(i).is_multiple_of(4)), "{ids:?}");
}

#[test]
fn a_caller_who_may_see_no_product_is_recommended_none() {
    // Variants: a policy that hides everything from `authenticated`, and a caller
    // without SELECT on products at all (RLS on): nothing may come back or be stored.
    let mut s = scene("rls_nothing");
    s.admin
        .batch_execute(
            "DROP POLICY products_per_user ON products;
             CREATE POLICY products_none ON products FOR SELECT TO authenticated USING (false);",
        )
        .expect("policy");
    let mut u = s.user(ATTACKER_USER);
    let n: i64 = u
        .query_one(
            "SELECT count(*) FROM personality_recommend($1::text::uuid, 20)",
            &[&user_id(ATTACKER_USER)],
        )
        .expect("recommend")
        .get(0);
    assert_eq!(
        n, 0,
        "ATTACK SUCCEEDED: products hidden by the host's policy were recommended"
    );
    let n: i64 = u
        .query_one(
            "SELECT count(*) FROM personality_similar_products($1::text::uuid, 20)",
            &[&product_id(8)],
        )
        .expect("similar")
        .get(0);
    assert_eq!(
        n, 0,
        "ATTACK SUCCEEDED: similar products listed hidden products"
    );
    s.admin
        .batch_execute(
            "DROP POLICY products_none ON products;
             CREATE POLICY products_all ON products FOR SELECT TO authenticated USING (true);
             REVOKE SELECT ON products FROM authenticated;",
        )
        .expect("revoke");
    let n: i64 = u
        .query_one(
            "SELECT count(*) FROM personality_recommend($1::text::uuid, 20)",
            &[&user_id(ATTACKER_USER)],
        )
        .expect("recommend without SELECT on products")
        .get(0);
    assert_eq!(
        n, 0,
        "ATTACK SUCCEEDED: a caller without SELECT on products got products recommended"
    );
    let stored: i64 = s
        .admin
        .query_one(
            "SELECT count(*) FROM personality_recommendations WHERE user_id = $1::text::uuid",
            &[&user_id(ATTACKER_USER)],
        )
        .expect("stored")
        .get(0);
    assert_eq!(
        stored, 0,
        "rows were stored for products the caller cannot see"
    );
}

#[test]
fn switching_roles_on_one_connection_never_reuses_another_roles_view() {
    // A pooled connection: the same session serves service_role (sees all) and then a
    // signed-in user (policy) and back; each call must use the role it runs under.
    let mut s = scene("rls_pool");
    let mut c = s.user(ATTACKER_USER);
    for round in 0..2 {
        c.batch_execute("SET ROLE service_role")
            .expect("service_role");
        let all: Vec<String> = c
            .query(
                "SELECT product_id::text FROM personality_recommend($1::text::uuid, 20)",
                &[&user_id(ATTACKER_USER)],
            )
            .expect("service_role")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(
            all.iter().any(|i| !number(i).is_multiple_of(4)),
            "round {round}: {all:?}"
        );
        c.batch_execute("SET ROLE authenticated")
            .expect("authenticated");
        let mine: Vec<String> = c
            .query(
                "SELECT product_id::text FROM personality_recommend($1::text::uuid, 20)",
                &[&user_id(ATTACKER_USER)],
            )
            .expect("authenticated")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(!mine.is_empty());
        assert!(
            mine.iter().all(|i| number(i).is_multiple_of(4)),
            "ATTACK SUCCEEDED: round {round}: a pooled connection served another role's products: {mine:?}"
        );
    }
    let _ = &mut s;
}
