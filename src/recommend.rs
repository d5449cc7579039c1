//! SQL layer of the recommendation engine (maths in personality_core::recommend):
//! reads the person, their swipes and the per-trait sorted product vectors, finds the
//! top k with a threshold algorithm, and upserts them into personality_recommendations.
use crate::errors::{raise, SqlError};
use personality_core::learning;
use personality_core::recommend::{self, Counts, Person, Product, TraitMapping, Weights};
use personality_core::traits::{Trait, Vector, ALL};
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use pgrx::Uuid;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

type Key = [u8; 16];

/// When the last phase ended, and each phase's name and milliseconds.
type Phases = (Option<std::time::Instant>, Vec<(&'static str, f64)>);

thread_local! {
    static PHASES: std::cell::RefCell<Phases> = const { std::cell::RefCell::new((None, Vec::new())) };
}

/// Marks the end of a phase of personality_recommend: its wall time is reported at
/// DEBUG1 when the call ends (`SET client_min_messages = debug1` shows where a slow
/// call spends its time).
pub(crate) fn phase(name: &'static str) {
    let now = std::time::Instant::now();
    PHASES.with(|p| {
        let mut p = p.borrow_mut();
        match p.0 {
            Some(t) if name != "start" => p.1.push((name, (now - t).as_secs_f64() * 1000.0)),
            _ => p.1.clear(),
        }
        p.0 = Some(now);
    });
}

fn phases_report() -> String {
    PHASES.with(|p| {
        let mut p = p.borrow_mut();
        p.0 = None;
        let out: Vec<String> = p.1.iter().map(|(n, ms)| format!("{n} {ms:.2}")).collect();
        p.1.clear();
        out.join(", ")
    })
}

/// An SPI result, or the error as 55000 (personality_recommend and the hybrid engine).
pub(crate) fn spi<T>(r: Result<T, pgrx::spi::Error>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => raise(SqlError::new(
            "55000",
            format!("personality_recommend: {e}"),
        )),
    }
}

fn f64_of(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn map_of(v: Option<String>) -> HashMap<String, f64> {
    let mut out = HashMap::new();
    if let Some(Value::Object(m)) = v.and_then(|t| serde_json::from_str(&t).ok()) {
        for (k, v) in m {
            if let Some(x) = f64_of(Some(&v)) {
                out.insert(k.trim().to_lowercase(), x);
            }
        }
    }
    out
}

fn load_person(
    client: &SpiClient<'_>,
    user: Uuid,
    occasion: Option<&str>,
) -> Result<Option<(Uuid, Person)>, pgrx::spi::Error> {
    let profile_stmt = kept(
        &PROFILE,
        client,
        "SELECT p.id, p.personality_scores::pg_catalog.text, p.confidence_level::pg_catalog.float8 \
           FROM @S.personality_profiles p WHERE p.user_id OPERATOR(pg_catalog.=) $1",
        &[pgrx::PgOid::BuiltIn(pgrx::pg_sys::BuiltinOid::UUIDOID)],
    );
    let rows = client.select(&*profile_stmt, Some(1), &[user.into()])?;
    if rows.is_empty() {
        return Ok(None);
    }
    let row = rows.first();
    let Some(profile_id) = row.get::<Uuid>(1)? else {
        return Ok(None);
    };
    // as text: a stored value nested too deeply reads as no scores (pgrx's JsonB would panic)
    let scores: Value = row
        .get::<String>(2)?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let mut v = [50.0; 5];
    for t in ALL {
        if let Some(x) = f64_of(scores.get(t.name())) {
            v[t.index()] = x;
        }
    }
    let mut mappings: [Option<TraitMapping>; 5] = Default::default();
    let mut best_weight = [f64::NEG_INFINITY; 5];
    let mappings_stmt = kept(
        &MAPPINGS,
        client,
        "SELECT m.personality_type::pg_catalog.text, m.recommended_categories, m.avoided_categories, \
                m.occasion_relevance::pg_catalog.text, m.price_range_modifier::pg_catalog.text, \
                m.recommendation_weight::pg_catalog.float8 FROM @S.personality_gift_mappings m",
        &[],
    );
    for m in client.select(&*mappings_stmt, None, &[])? {
        let Some(t) = m.get::<String>(1)?.as_deref().and_then(Trait::from_name) else {
            continue;
        };
        let weight = m.get::<f64>(6)?.unwrap_or(0.0);
        if weight <= best_weight[t.index()] {
            continue;
        }
        best_weight[t.index()] = weight;
        let list = |x: Option<Vec<Option<String>>>| -> Vec<String> {
            x.unwrap_or_default().into_iter().flatten().collect()
        };
        mappings[t.index()] = Some(TraitMapping {
            recommended: list(m.get(2)?),
            avoided: list(m.get(3)?),
            occasions: map_of(m.get(4)?),
            price_modifiers: map_of(m.get(5)?),
        });
    }
    Ok(Some((
        profile_id,
        Person {
            scores: v,
            confidence: row.get::<f64>(3)?.unwrap_or(0.5),
            mappings,
            by_category: HashMap::new(),
            overall: Counts::default(),
            occasion: occasion
                .map(|o| o.trim().to_lowercase())
                .filter(|o| !o.is_empty()),
        },
    )))
}

/// The user's swipes in every attached swipe table: swiped products and like counts.
fn load_swipes(
    client: &SpiClient<'_>,
    user: Uuid,
    person: &mut Person,
) -> Result<(HashSet<Key>, Vec<crate::model::SwipeRow>), pgrx::spi::Error> {
    let mut swiped = HashSet::new();
    let mut rows = Vec::new();
    let tables_stmt = kept(
        &SWIPE_TABLES,
        client,
        // the table's name built from the catalog (regclass output depends on the
        // search_path); each direction and created_at expression fully qualified too
        "SELECT pg_catalog.quote_ident(n.nspname::pg_catalog.text) OPERATOR(pg_catalog.||) '.' \
                OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname::pg_catalog.text), \
                CASE WHEN ty.dir OPERATOR(pg_catalog.=) 'enum' \
                     THEN 'pg_catalog.textin(pg_catalog.enum_out(s.' \
                          OPERATOR(pg_catalog.||) pg_catalog.quote_ident(t.direction_column::pg_catalog.text) OPERATOR(pg_catalog.||) '))' \
                     WHEN ty.dir OPERATOR(pg_catalog.=) ANY ('{text,varchar,bpchar,name}'::pg_catalog.text[]) \
                     THEN 's.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(t.direction_column::pg_catalog.text) \
                          OPERATOR(pg_catalog.||) '::pg_catalog.text' \
                     ELSE 'NULL::pg_catalog.text' END, \
                CASE WHEN ty.ts OPERATOR(pg_catalog.=) 'timestamptz' \
                     THEN 'pg_catalog.date_part(''epoch'', s.created_at)' \
                     ELSE 'NULL::pg_catalog.float8' END \
           FROM @S.personality_swipe_tables t \
           JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.swipe_table::pg_catalog.oid \
           JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace \
          CROSS JOIN LATERAL (SELECT @S._personality_column_type(t.swipe_table, t.direction_column) AS dir, \
                                     @S._personality_column_type(t.swipe_table, 'created_at') AS ts) ty \
          WHERE c.relpersistence OPERATOR(pg_catalog.<>) 't' \
            AND @S._personality_column_type(t.swipe_table, 'user_id') OPERATOR(pg_catalog.=) 'uuid' \
            AND @S._personality_column_type(t.swipe_table, 'product_id') OPERATOR(pg_catalog.=) 'uuid'",
        &[],
    );
    let tables: Vec<(String, String, String)> = client
        .select(&*tables_stmt, None, &[])?
        .map(|r| {
            Ok((
                r.get::<String>(1)?.unwrap_or_default(),
                r.get::<String>(2)?.unwrap_or_default(),
                r.get::<String>(3)?.unwrap_or_default(),
            ))
        })
        .collect::<Result<_, pgrx::spi::Error>>()?;
    let schema = schema();
    for (table, dir, ts) in tables {
        let sql = format!(
            "SELECT s.product_id, v.category, {dir}, {ts} FROM {table} s \
             LEFT JOIN {schema}.personality_product_vectors v ON v.product_id OPERATOR(pg_catalog.=) s.product_id \
             WHERE s.user_id OPERATOR(pg_catalog.=) $1"
        );
        let stmt = kept_sql(
            client,
            &sql,
            &[pgrx::PgOid::BuiltIn(pgrx::pg_sys::BuiltinOid::UUIDOID)],
        );
        for r in client.select(&*stmt, None, &[user.into()])? {
            let direction = learning::parse_direction(r.get::<String>(3)?.as_deref());
            if let Some(p) = r.get::<Uuid>(1)? {
                swiped.insert(*p.as_bytes());
                rows.push(crate::model::SwipeRow {
                    product: p,
                    direction,
                    ts: r.get::<f64>(4)?.filter(|x| x.is_finite()).unwrap_or(0.0),
                    seq: rows.len(),
                });
            }
            let outcome = direction.outcome();
            let Some(y) = outcome else { continue };
            let add = |c: &mut Counts| {
                if y >= 0.5 {
                    c.likes += 1.0;
                } else {
                    c.dislikes += 1.0;
                }
            };
            add(&mut person.overall);
            if let Some(cat) = r.get::<String>(2)? {
                add(person
                    .by_category
                    .entry(cat.trim().to_lowercase())
                    .or_default());
            }
        }
    }
    Ok((swiped, rows))
}

thread_local! {
    static CATEGORIES: KeptCell = const { std::cell::RefCell::new(None) };
    static LISTS: KeptCell = const { std::cell::RefCell::new(None) };
}

/// The catalog's categories with active products (a skip scan of the category index).
fn categories_stmt(client: &SpiClient<'_>) -> std::rc::Rc<pgrx::spi::OwnedPreparedStatement> {
    kept(
        &CATEGORIES,
        client,
        "WITH RECURSIVE c(cat, band) AS ( \
           (SELECT v.category, v.price_band FROM @S.personality_product_vectors v WHERE v.is_active \
             ORDER BY v.category, v.price_band LIMIT 1) \
           UNION ALL \
           SELECT x.category, x.price_band FROM c CROSS JOIN LATERAL \
             (SELECT v.category, v.price_band FROM @S.personality_product_vectors v \
               WHERE v.is_active AND ROW(v.category, v.price_band) OPERATOR(pg_catalog.>) ROW(c.cat, c.band) \
               ORDER BY v.category, v.price_band LIMIT 1) x) \
         SELECT c.cat, c.band::pg_catalog.int4 FROM c",
        &[],
    )
}

/// For each given category, the first n products of each of the five per-trait lists.
fn lists_stmt(client: &SpiClient<'_>) -> std::rc::Rc<pgrx::spi::OwnedPreparedStatement> {
    let list = |i: usize, t: &str| {
        format!(
            "(SELECT c.ci, {i} AS li, v.product_id, v.price::pg_catalog.float8, v.adventurous, v.intellectual, \
                     v.practical, v.creative, v.social \
                FROM @S.personality_product_vectors v \
               WHERE v.category OPERATOR(pg_catalog.=) c.cat AND v.price_band OPERATOR(pg_catalog.=) c.band AND v.is_active \
                 AND ($4::pg_catalog.float8 IS NULL OR v.price OPERATOR(pg_catalog.<=) $4) \
               ORDER BY v.{t} DESC, v.product_id LIMIT c.n)"
        )
    };
    let lists: Vec<String> = ALL
        .iter()
        .enumerate()
        .map(|(i, t)| list(i, t.name()))
        .collect();
    let sql = format!(
        "SELECT x.* FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.int4[]), \
                pg_catalog.unnest($3::pg_catalog.int4[])) WITH ORDINALITY AS c(cat, band, n, ci) \
         CROSS JOIN LATERAL ({}) x",
        lists.join(" UNION ALL ")
    );
    use pgrx::pg_sys::BuiltinOid::*;
    kept(
        &LISTS,
        client,
        &sql,
        &[
            pgrx::PgOid::BuiltIn(TEXTARRAYOID),
            pgrx::PgOid::BuiltIn(INT4ARRAYOID),
            pgrx::PgOid::BuiltIn(INT4ARRAYOID),
            pgrx::PgOid::BuiltIn(FLOAT8OID),
        ],
    )
}

pub(crate) type KeptCell =
    std::cell::RefCell<Option<(u64, std::rc::Rc<pgrx::spi::OwnedPreparedStatement>)>>;

/// A statement prepared once per cache generation (crate::cache), with `@S` replaced
/// by the extension's schema: every name it uses is qualified, and the function runs
/// under search_path pg_catalog, pg_temp.
pub(crate) fn kept(
    cell: &'static std::thread::LocalKey<KeptCell>,
    client: &SpiClient<'_>,
    sql: &str,
    args: &[pgrx::PgOid],
) -> std::rc::Rc<pgrx::spi::OwnedPreparedStatement> {
    let generation = crate::cache::generation();
    if let Some(s) = cell.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(g, _)| *g == generation)
            .map(|(_, s)| s.clone())
    }) {
        return s;
    }
    let sql = sql.replace("@S.", &format!("{}.", schema()));
    let stmt = std::rc::Rc::new(spi(client.prepare(&sql, args)).keep());
    cell.with(|c| *c.borrow_mut() = Some((generation, stmt.clone())));
    stmt
}

thread_local! {
    static KEPT_SQL: std::cell::RefCell<HashMap<String, (u64, std::rc::Rc<pgrx::spi::OwnedPreparedStatement>)>> =
        std::cell::RefCell::new(HashMap::new());
}

/// [`kept`] for a statement whose text is built at run time (it names a host table):
/// prepared once per text and cache generation; a few texts per database.
pub(crate) fn kept_sql(
    client: &SpiClient<'_>,
    sql: &str,
    args: &[pgrx::PgOid],
) -> std::rc::Rc<pgrx::spi::OwnedPreparedStatement> {
    let generation = crate::cache::generation();
    if let Some(s) = KEPT_SQL.with(|c| {
        c.borrow()
            .get(sql)
            .filter(|(g, _)| *g == generation)
            .map(|(_, s)| s.clone())
    }) {
        return s;
    }
    let stmt = std::rc::Rc::new(spi(client.prepare(sql, args)).keep());
    KEPT_SQL.with(|c| {
        let mut c = c.borrow_mut();
        // a renamed or re-attached table leaves its old text behind: keep the map small
        c.retain(|_, (g, _)| *g == generation);
        if c.len() >= 64 {
            c.clear();
        }
        c.insert(sql.to_string(), (generation, stmt.clone()));
    });
    stmt
}

/// The extension's schema, quoted.
pub(crate) fn schema() -> String {
    crate::cache::schema().unwrap_or_else(|| {
        raise(SqlError::new(
            "55000",
            "the extension personality_ext is not installed in this database",
        ))
    })
}

pub(crate) struct Found {
    id: Uuid,
    scored: recommend::Scored,
}

fn rank_cmp(a: &Found, b: &Found) -> std::cmp::Ordering {
    b.scored
        .combined
        .partial_cmp(&a.scored.combined)
        .unwrap_or(std::cmp::Ordering::Equal)
        .then(a.id.as_bytes().cmp(b.id.as_bytes()))
}

thread_local! {
    static PROFILE: KeptCell = const { std::cell::RefCell::new(None) };
    static MAPPINGS: KeptCell = const { std::cell::RefCell::new(None) };
    static SWIPE_TABLES: KeptCell = const { std::cell::RefCell::new(None) };
    static UPSERT: KeptCell = const { std::cell::RefCell::new(None) };
    static GROUPS: KeptCell = const { std::cell::RefCell::new(None) };
    static GROUP_PRODUCTS: KeptCell = const { std::cell::RefCell::new(None) };
}

fn band_allowed(band: i32, max_price: Option<f64>) -> bool {
    match max_price {
        None => true,
        Some(cap) => match band {
            0 => true,
            1 => cap >= 25.0,
            2 => cap > 100.0,
            _ => false,
        },
    }
}

/// Every product of a (category, price band, shares) group has the same combined score
/// for a person: rank the groups, then take products from the best ones (by product id
/// within a group). Exact; None when there are too many groups for this to pay.
#[allow(clippy::too_many_arguments)]
fn grouped_top_k(
    client: &SpiClient<'_>,
    person: &Person,
    w: &Weights,
    k: usize,
    swiped: &HashSet<Key>,
    avoided: &[Option<String>],
    max_price: Option<f64>,
) -> Option<Vec<Found>> {
    let ranked = ranked_groups(client, person, w, avoided, max_price)?;
    let groups: Vec<(f64, i64, i64)> = ranked
        .iter()
        .map(|g| (g.fit, g.id, g.products as i64))
        .collect();
    let products_stmt = group_products_stmt(client);
    let mut found: Vec<Found> = Vec::with_capacity(k);
    let mut next = 0;
    let mut ties_done = false;
    let mut read = 0usize;
    loop {
        let mut batch: Vec<i64> = Vec::new();
        let want;
        if found.len() < k && next < groups.len() {
            // enough groups to fill what is missing, counting products the user swiped
            want = (k - found.len() + swiped.len()) as i64;
            let mut covered = 0i64;
            while next < groups.len() && covered < want && batch.len() < 64 {
                batch.push(groups[next].1);
                covered += groups[next].2;
                next += 1;
            }
        } else if !ties_done && next > 0 && next < groups.len() {
            // groups tied with the last one used compete by product id, as in a full ranking
            ties_done = true;
            want = (k + swiped.len()) as i64;
            let boundary = groups[next - 1].0;
            while next < groups.len() && (groups[next].0 - boundary).abs() < 1e-12 {
                batch.push(groups[next].1);
                next += 1;
            }
            if batch.is_empty() {
                break;
            }
        } else {
            break;
        }
        let rows = spi(client.select(
            &*products_stmt,
            None,
            &[batch.into(), want.into(), max_price.into()],
        ));
        read += rows.len();
        // all of the batch: a later group of the batch may tie with an earlier one
        for r in rows {
            let Some(id) = spi(r.get::<Uuid>(2)) else {
                continue;
            };
            if swiped.contains(id.as_bytes()) {
                continue;
            }
            let mut shares = [0.0; 5];
            for (i, share) in shares.iter_mut().enumerate() {
                *share = spi(r.get::<f32>(5 + i)).unwrap_or(0.0) as f64;
            }
            let product = Product {
                category: spi(r.get::<String>(3)).filter(|c| !c.is_empty()),
                price: spi(r.get::<f64>(4)),
                shares,
            };
            let scored = recommend::score(person, &product, w, max_price);
            found.push(Found { id, scored });
        }
    }
    let scored = found.len();
    found.sort_by(rank_cmp);
    found.truncate(k);
    pgrx::debug1!(
        "personality_recommend: {} groups ranked, {next} used, {read} rows read, {scored} scored",
        groups.len()
    );
    Some(found)
}

/// A group of products that score the same for a person, with that score.
pub(crate) struct RankedGroup {
    pub fit: f64,
    pub id: i64,
    pub category: Option<String>,
    pub products: usize,
}

/// The product groups a person may be shown (price band under the cap, category not
/// avoided, some trait share), best fit first (ties by group id). None when there are
/// more groups than personality.max_groups (or none): the caller falls back to the
/// threshold algorithm.
pub(crate) fn ranked_groups(
    client: &SpiClient<'_>,
    person: &Person,
    w: &Weights,
    avoided: &[Option<String>],
    max_price: Option<f64>,
) -> Option<Vec<RankedGroup>> {
    let groups_stmt = kept(
        &GROUPS,
        client,
        "SELECT g.group_id, g.category, g.price_band::pg_catalog.int4, g.adventurous, g.intellectual, g.practical, \
                g.creative, g.social, g.active_products FROM @S.personality_vector_groups g \
          WHERE g.active_products OPERATOR(pg_catalog.>) 0 \
            AND (SELECT c.reltuples FROM pg_catalog.pg_class c \
                  WHERE c.oid OPERATOR(pg_catalog.=) '@S.personality_vector_groups'::pg_catalog.regclass) \
                OPERATOR(pg_catalog.<=) $1",
        &[pgrx::PgOid::BuiltIn(pgrx::pg_sys::BuiltinOid::INT8OID)],
    );
    let limit = crate::guc::MAX_GROUPS.get() as i64;
    if limit <= 0 {
        return None;
    }
    let rows = spi(client.select(&*groups_stmt, None, &[limit.into()]));
    if rows.is_empty() {
        // too many groups, or none (no vectors yet: the threshold path finds nothing too)
        return None;
    }
    let mut groups: Vec<RankedGroup> = Vec::with_capacity(rows.len());
    let mut ranker = recommend::Ranker::new(person, w);
    for r in rows {
        let gid = spi(r.get::<i64>(1)).unwrap_or(0);
        let category = spi(r.get::<String>(2)).unwrap_or_default();
        let band = spi(r.get::<i32>(3)).unwrap_or(3);
        if !band_allowed(band, max_price) || avoided.contains(&Some(category.clone())) {
            continue;
        }
        let mut shares = [0.0; 5];
        for (i, share) in shares.iter_mut().enumerate() {
            *share = spi(r.get::<f32>(4 + i)).unwrap_or(0.0) as f64;
        }
        if shares.iter().all(|x| *x <= 0.0) {
            continue;
        }
        let product = Product {
            category: Some(category).filter(|c| !c.is_empty()),
            price: recommend::band_price(band),
            shares,
        };
        let count = spi(r.get::<i64>(9)).unwrap_or(0);
        groups.push(RankedGroup {
            fit: ranker.combined(&product),
            id: gid,
            category: product.category,
            products: count.max(0) as usize,
        });
    }
    groups.sort_by(|a, b| {
        b.fit
            .partial_cmp(&a.fit)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.id.cmp(&b.id))
    });
    Some(groups)
}

/// Up to `limit` products of each group of `gids` (in that order; by product id within
/// a group), active and under the price cap:
/// (group's position, product id, category, price, five shares).
fn group_products_stmt(client: &SpiClient<'_>) -> std::rc::Rc<pgrx::spi::OwnedPreparedStatement> {
    use pgrx::pg_sys::BuiltinOid::*;
    kept(
        &GROUP_PRODUCTS,
        client,
        "SELECT g.ord, v.product_id, v.category, v.price::pg_catalog.float8, v.adventurous, v.intellectual, \
                v.practical, v.creative, v.social \
           FROM pg_catalog.unnest($1::pg_catalog.int8[]) WITH ORDINALITY AS g(gid, ord) \
           CROSS JOIN LATERAL ( \
             SELECT * FROM @S.personality_product_vectors v \
              WHERE v.group_id OPERATOR(pg_catalog.=) g.gid AND v.is_active \
                AND ($3::pg_catalog.float8 IS NULL OR v.price OPERATOR(pg_catalog.<=) $3) \
              ORDER BY v.product_id LIMIT $2) v \
          ORDER BY g.ord, v.product_id",
        &[
            pgrx::PgOid::BuiltIn(INT8ARRAYOID),
            pgrx::PgOid::BuiltIn(INT8OID),
            pgrx::PgOid::BuiltIn(FLOAT8OID),
        ],
    )
}

/// Content candidates for the hybrid engine: the best fits of several categories, so
/// that its per-category cap has other categories to take from (a quiz-only person's
/// best fits all tie inside one category). Walking the ranked groups, each category
/// gives at most `per_category` products, until `want` products from at least
/// `categories` categories are in (collab::diversify::content_groups). Product ids,
/// best group first. With more groups than personality.max_groups, or when the groups
/// gave fewer than `want` (a price cap inside a band, swiped products), the 0.2.0
/// ranker's best `want` (then one category may fill the list).
#[allow(clippy::too_many_arguments)]
pub(crate) fn diverse_content(
    client: &SpiClient<'_>,
    person: &Person,
    w: &Weights,
    swiped: &HashSet<Key>,
    avoided: &[Option<String>],
    max_price: Option<f64>,
    want: usize,
    per_category: usize,
    categories: usize,
) -> Vec<Uuid> {
    use personality_core::collab::diversify::{content_groups, Group};
    let Some(ranked) = ranked_groups(client, person, w, avoided, max_price) else {
        return content_top(client, person, w, want, swiped, avoided, max_price)
            .into_iter()
            .map(|f| f.id)
            .collect();
    };
    let groups: Vec<Group<&str>> = ranked
        .iter()
        .map(|g| Group {
            id: g.id,
            category: g.category.as_deref(),
            fit: g.fit,
            products: g.products,
        })
        .collect();
    let gids = content_groups(&groups, want, per_category, categories);
    if gids.is_empty() {
        return Vec::new();
    }
    let category_of: HashMap<i64, Option<&str>> = ranked
        .iter()
        .map(|g| (g.id, g.category.as_deref()))
        .collect();
    // a few more than the quota per group: some of them may be swiped
    let limit = (per_category + per_category / 2 + 2) as i64;
    let mut per: HashMap<Option<&str>, usize> = HashMap::new();
    let mut out = Vec::new();
    let rows = spi(client.select(
        &*group_products_stmt(client),
        None,
        &[gids.clone().into(), limit.into(), max_price.into()],
    ));
    for r in rows {
        let Some(id) = spi(r.get::<Uuid>(2)) else {
            continue;
        };
        if swiped.contains(id.as_bytes()) {
            continue;
        }
        let ord = spi(r.get::<i64>(1)).unwrap_or(0);
        let gid = usize::try_from(ord - 1).ok().and_then(|i| gids.get(i));
        let category = gid.and_then(|g| category_of.get(g).copied()).flatten();
        let n = per.entry(category).or_insert(0);
        if *n < per_category {
            *n += 1;
            out.push(id);
        }
    }
    if out.len() < want {
        // the groups' counts include products above the price cap or swiped: top up
        // with the best fits overall, as before
        let have: HashSet<Key> = out.iter().map(|id| *id.as_bytes()).collect();
        out.extend(
            content_top(client, person, w, want, swiped, avoided, max_price)
                .into_iter()
                .map(|f| f.id)
                .filter(|id| !have.contains(id.as_bytes())),
        );
    }
    out
}

/// The 0.2.0 content ranker: the best `k` products by combined score (personality
/// match, category alignment, behaviour), active, under the price cap, not avoided,
/// not swiped.
pub(crate) fn content_top(
    client: &SpiClient<'_>,
    person: &Person,
    w: &Weights,
    k: usize,
    swiped: &HashSet<Key>,
    avoided: &[Option<String>],
    p_max_price: Option<f64>,
) -> Vec<Found> {
    let w = *w;
    let grouped = grouped_top_k(client, person, &w, k, swiped, avoided, p_max_price);
    match grouped {
        Some(found) => found,
        None => {
            let w_ = w;
            // Partitions: (category, price band) with active products, minus avoided categories.
            let parts: Vec<(String, i32)> =
                spi(client.select(&*categories_stmt(client), None, &[]))
                    .map(|r| {
                        Ok((
                            r.get::<String>(1)?.unwrap_or_default(),
                            r.get::<i32>(2)?.unwrap_or(3),
                        ))
                    })
                    .collect::<Result<Vec<_>, pgrx::spi::Error>>()
                    .unwrap_or_else(|e| {
                        raise(SqlError::new(
                            "55000",
                            format!("personality_recommend: {e}"),
                        ))
                    })
                    .into_iter()
                    .filter(|(c, _)| !avoided.contains(&Some(c.clone())))
                    // bands wholly above the price cap would be scanned to the end for nothing
                    .filter(|(_, band)| match p_max_price {
                        None => true,
                        Some(cap) => match band {
                            0 => true,
                            1 => cap >= 25.0,
                            2 => cap > 100.0,
                            _ => false,
                        },
                    })
                    .collect();
            let category_of = |i: usize| Some(parts[i].0.as_str()).filter(|c| !c.is_empty());
            let mut depth: Vec<Vector> = vec![[1.0; 5]; parts.len()];
            let mut n: Vec<i32> = vec![(k as i32).max(10); parts.len()];
            let mut open: Vec<bool> = vec![true; parts.len()];
            let mut bound: Vec<f64> = (0..parts.len())
                .map(|i| {
                    recommend::category_bound(person, &w_, &depth[i], category_of(i), parts[i].1)
                })
                .collect();
            let mut seen: HashSet<Key> = HashSet::new();
            let mut found: Vec<Found> = Vec::new();
            let mut kth = f64::NEG_INFINITY;
            let stmt = lists_stmt(client);
            let (mut rounds, mut fetched) = (0u32, 0usize);
            loop {
                // The most promising open partitions first, a few per round trip.
                let mut fetch: Vec<usize> = (0..parts.len())
                    .filter(|i| open[*i] && !recommend::reached(kth, bound[*i]))
                    .collect();
                if fetch.is_empty() {
                    break;
                }
                fetch.sort_by(|a, b| {
                    bound[*b]
                        .partial_cmp(&bound[*a])
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                fetch.truncate(4);
                let fetch_cats: Vec<String> = fetch.iter().map(|i| parts[*i].0.clone()).collect();
                let fetch_bands: Vec<i32> = fetch.iter().map(|i| parts[*i].1).collect();
                let fetch_n: Vec<i32> = fetch.iter().map(|i| n[*i]).collect();
                rounds += 1;
                let rows = spi(client.select(
                    &*stmt,
                    None,
                    &[
                        fetch_cats.into(),
                        fetch_bands.into(),
                        fetch_n.into(),
                        p_max_price.into(),
                    ],
                ));
                // per fetched partition and list: rows returned and the last share seen
                let mut count = vec![[0i32; 5]; fetch.len()];
                let mut last = vec![[0.0f64; 5]; fetch.len()];
                fetched += rows.len();
                for r in rows {
                    let ci = spi(r.get::<i64>(1)).unwrap_or(1).max(1) as usize - 1;
                    let li = spi(r.get::<i32>(2)).unwrap_or(0).clamp(0, 4) as usize;
                    let Some(id) = spi(r.get::<Uuid>(3)) else {
                        continue;
                    };
                    let mut shares = [0.0; 5];
                    for (i, share) in shares.iter_mut().enumerate() {
                        *share = spi(r.get::<f32>(5 + i)).unwrap_or(0.0) as f64;
                    }
                    if ci < fetch.len() {
                        count[ci][li] += 1;
                        last[ci][li] = shares[li];
                    }
                    let key = *id.as_bytes();
                    if !seen.insert(key)
                        || swiped.contains(&key)
                        || shares.iter().all(|x| *x <= 0.0)
                    {
                        continue;
                    }
                    let product = Product {
                        category: fetch
                            .get(ci)
                            .and_then(|i| category_of(*i))
                            .map(str::to_string),
                        price: spi(r.get::<f64>(4)),
                        shares,
                    };
                    let scored = recommend::score(person, &product, &w_, p_max_price);
                    found.push(Found { id, scored });
                }
                found.sort_by(rank_cmp);
                found.truncate(k);
                if found.len() >= k {
                    kth = found[k - 1].scored.combined;
                }
                for (j, &i) in fetch.iter().enumerate() {
                    if (0..5).any(|t| count[j][t] < n[i]) {
                        open[i] = false; // a list ran out: every product of the partition was seen
                        continue;
                    }
                    depth[i] = last[j];
                    bound[i] = recommend::category_bound(
                        person,
                        &w_,
                        &depth[i],
                        category_of(i),
                        parts[i].1,
                    );
                    n[i] = n[i].saturating_mul(4);
                }
            }
            found.truncate(k);
            pgrx::debug1!(
                "personality_recommend: {} partitions, {rounds} round trips, {fetched} rows read, {} scored",
                parts.len(),
                seen.len()
            );
            found
        }
    }
}

/// Internal: computes and upserts the top `p_limit` recommendations; returns their
/// product ids, best first. personality_recommend() (sql/recommend_api.sql) checks the
/// caller and the arguments, then calls this.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn _personality_recommend(
    p_user_id: Uuid,
    p_limit: i32,
    p_context: &str,
    p_occasion: Option<&str>,
    p_max_price: Option<f64>,
) -> Vec<Uuid> {
    let k = p_limit.clamp(1, 1000) as usize;
    let w = Weights::new(
        crate::guc::WEIGHT_MATCH.get(),
        crate::guc::WEIGHT_CATEGORY.get(),
        crate::guc::WEIGHT_BEHAVIOR.get(),
    );
    phase("start");
    Spi::connect_mut(|client| {
        let Some((profile_id, mut person)) = spi(load_person(client, p_user_id, p_occasion)) else {
            raise(
                SqlError::new(
                    "P0002",
                    format!("user {p_user_id} has no personality profile"),
                )
                .hint("Take the quiz first: SELECT * FROM personality_assess(user_id, answers);"),
            )
        };
        phase("person");
        let (swiped, swipe_rows) = spi(load_swipes(client, p_user_id, &mut person));
        phase("swipes");
        let avoided: Vec<Option<String>> =
            person.avoided_categories().into_iter().map(Some).collect();
        let hybrid = crate::model::hybrid_for(p_user_id);
        let rows: Vec<crate::model::Out> = if hybrid {
            crate::model::hybrid(
                client,
                p_user_id,
                &person,
                &w,
                k,
                &swipe_rows,
                &avoided,
                p_max_price,
                |want, per_category, categories| {
                    diverse_content(
                        client,
                        &person,
                        &w,
                        &swiped,
                        &avoided,
                        p_max_price,
                        want,
                        per_category,
                        categories,
                    )
                },
            )
        } else {
            content_top(client, &person, &w, k, &swiped, &avoided, p_max_price)
                .into_iter()
                .map(|f| {
                    let mut factors = serde_json::Map::new();
                    for t in ALL {
                        let v = (f.scored.factors[t.index()] * 10000.0).round() / 10000.0;
                        factors.insert(t.name().to_string(), serde_json::json!(v));
                    }
                    crate::model::Out {
                        id: f.id,
                        personality_match: f.scored.personality_match,
                        category_alignment: f.scored.category_alignment,
                        behavioral_prediction: f.scored.behavioral_prediction,
                        combined: f.scored.combined,
                        reasons: f.scored.reasons,
                        factors,
                    }
                })
                .collect()
        };
        let engine = if hybrid {
            crate::model::HYBRID
        } else {
            crate::model::CONTENT
        };

        phase("rank");
        let ids: Vec<Uuid> = rows.iter().map(|f| f.id).collect();
        let col =
            |g: &dyn Fn(&crate::model::Out) -> f64| -> Vec<f64> { rows.iter().map(g).collect() };
        let reasons: Vec<String> = rows
            .iter()
            .map(|f| serde_json::to_string(&f.reasons).unwrap_or_else(|_| "[]".into()))
            .collect();
        let factors: Vec<String> = rows
            .iter()
            .map(|f| Value::Object(f.factors.clone()).to_string())
            .collect();
        use pgrx::pg_sys::BuiltinOid::*;
        let o = pgrx::PgOid::BuiltIn;
        let upsert = kept(
            &UPSERT,
            client,
            "INSERT INTO @S.personality_recommendations AS r (user_id, product_id, personality_profile_id, \
                personality_match_score, category_alignment_score, behavioral_prediction, combined_score, \
                recommendation_reasons, personality_factors, confidence_level, recommendation_context, \
                generated_at, updated_at, algorithm_version) \
             SELECT $1, u.product_id, $2, pg_catalog.round(u.m::pg_catalog.numeric, 4), \
                    pg_catalog.round(u.c::pg_catalog.numeric, 4), pg_catalog.round(u.b::pg_catalog.numeric, 4), \
                    pg_catalog.round(u.s::pg_catalog.numeric, 4), u.reasons::pg_catalog.jsonb, u.factors::pg_catalog.jsonb, \
                    pg_catalog.round($3::pg_catalog.numeric, 2), $4, pg_catalog.now(), pg_catalog.now(), $12 \
               FROM ROWS FROM (pg_catalog.unnest($5::pg_catalog.uuid[]), pg_catalog.unnest($6::pg_catalog.float8[]), \
                    pg_catalog.unnest($7::pg_catalog.float8[]), pg_catalog.unnest($8::pg_catalog.float8[]), \
                    pg_catalog.unnest($9::pg_catalog.float8[]), pg_catalog.unnest($10::pg_catalog.text[]), \
                    pg_catalog.unnest($11::pg_catalog.text[])) \
                    AS u(product_id, m, c, b, s, reasons, factors) \
             ON CONFLICT ON CONSTRAINT unique_user_product_personality DO UPDATE SET \
                personality_match_score = EXCLUDED.personality_match_score, \
                category_alignment_score = EXCLUDED.category_alignment_score, \
                behavioral_prediction = EXCLUDED.behavioral_prediction, \
                combined_score = EXCLUDED.combined_score, \
                recommendation_reasons = EXCLUDED.recommendation_reasons, \
                personality_factors = EXCLUDED.personality_factors, \
                confidence_level = EXCLUDED.confidence_level, \
                recommendation_context = EXCLUDED.recommendation_context, \
                algorithm_version = EXCLUDED.algorithm_version, \
                generated_at = pg_catalog.now(), updated_at = pg_catalog.now()",
            &[
                o(UUIDOID),
                o(UUIDOID),
                o(FLOAT8OID),
                o(TEXTOID),
                o(UUIDARRAYOID),
                o(FLOAT8ARRAYOID),
                o(FLOAT8ARRAYOID),
                o(FLOAT8ARRAYOID),
                o(FLOAT8ARRAYOID),
                o(TEXTARRAYOID),
                o(TEXTARRAYOID),
                o(TEXTOID),
            ],
        );
        spi(client.update(
            &*upsert,
            None,
            &[
                p_user_id.into(),
                profile_id.into(),
                person.confidence.clamp(0.0, 1.0).into(),
                p_context.into(),
                ids.clone().into(),
                col(&|f| f.personality_match).into(),
                col(&|f| f.category_alignment).into(),
                col(&|f| f.behavioral_prediction).into(),
                col(&|f| f.combined).into(),
                reasons.into(),
                factors.into(),
                engine.into(),
            ],
        ));
        phase("store");
        pgrx::debug1!("personality_recommend ({engine}) ms: {}", phases_report());
        ids
    })
}
