//! SQL layer of the recommendation engine (maths in personality_core::recommend):
//! reads the person, their swipes and the per-trait sorted product vectors, finds the
//! top k with a threshold algorithm, and upserts them into personality_recommendations.
use crate::cache::{self, query, PlanError, Query};
use crate::errors::{raise, Error, SqlState};
#[allow(unused_imports)]
use crate::text::{RowText, Text, TextArray};
use personality_core::learning;
use personality_core::recommend::{self, Counts, Person, Product, TraitMapping, Weights};
use personality_core::topk::{self, CatalogSource, Found, GroupFit, Partition, Row};
use personality_core::traits::{Trait, Vector, ALL};
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use pgrx::Uuid;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

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

/// An SPI error of personality_recommend or the hybrid engine, as 55000.
fn spi_error(e: pgrx::spi::Error) -> Error {
    Error::new(
        SqlState::ObjectNotInPrerequisiteState,
        format!("personality_recommend: {e}"),
    )
}

/// An SPI result, or the error raised as 55000.
pub(crate) fn spi<T>(r: Result<T, pgrx::spi::Error>) -> T {
    r.unwrap_or_else(|e| raise(spi_error(e)))
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
    let profile_stmt = plan(client, &PROFILE);
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
        .text(2)?
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
    let mappings_stmt = plan(client, &GIFT_MAPPINGS);
    for m in client.select(&*mappings_stmt, None, &[])? {
        let Some(t) = m.text(1)?.as_deref().and_then(Trait::from_name) else {
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
            recommended: list(m.texts(2)?),
            avoided: list(m.texts(3)?),
            occasions: map_of(m.text(4)?),
            price_modifiers: map_of(m.text(5)?),
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
    let tables_stmt = plan(client, &SWIPE_TABLES);
    let tables: Vec<(String, String, String)> = client
        .select(&*tables_stmt, None, &[])?
        .map(|r| {
            Ok((
                r.text(1)?.unwrap_or_default(),
                r.text(2)?.unwrap_or_default(),
                r.text(3)?.unwrap_or_default(),
            ))
        })
        .collect::<Result<_, pgrx::spi::Error>>()?;
    let mut outcomes: Vec<(Option<Uuid>, f64)> = Vec::new();
    for (table, dir, ts) in tables {
        let stmt = filled(
            client,
            &SWIPES,
            &[("table", &table), ("direction", &dir), ("created_at", &ts)],
        );
        for r in client.select(&*stmt, None, &[user.into()])? {
            let direction = learning::parse_direction(r.text(2)?.as_deref());
            let product = r.get::<Uuid>(1)?;
            if let Some(p) = product {
                swiped.insert(*p.as_bytes());
                rows.push(crate::model::SwipeRow {
                    product: p,
                    direction,
                    ts: r.get::<f64>(3)?.filter(|x| x.is_finite()).unwrap_or(0.0),
                    seq: rows.len(),
                });
            }
            if let Some(y) = direction.outcome() {
                outcomes.push((product, y));
            }
        }
    }
    // likes and dislikes overall and by the product's category (products without a
    // vector count overall only); the categories come from the per-connection copies
    let ids: Vec<Uuid> = outcomes.iter().filter_map(|(p, _)| *p).collect();
    let products = crate::derived::product_rows(client, &ids);
    for (p, y) in outcomes {
        let add = |c: &mut Counts| {
            if y >= 0.5 {
                c.likes += 1.0;
            } else {
                c.dislikes += 1.0;
            }
        };
        add(&mut person.overall);
        if let Some(row) = p.and_then(|p| products.get(p.as_bytes())) {
            add(person
                .by_category
                .entry(row.category.trim().to_lowercase())
                .or_default());
        }
    }
    Ok((swiped, rows))
}

/// The catalog's categories with active products (a skip scan of the category index).
fn categories_stmt(client: &SpiClient<'_>) -> Rc<OwnedPreparedStatement> {
    plan(client, &CATEGORIES)
}

/// For each given category, the first n products of each of the five per-trait lists.
fn lists_stmt(client: &SpiClient<'_>) -> Rc<OwnedPreparedStatement> {
    plan(client, &LISTS)
}

const PROFILE: Query = query!("recommend/profile", [UUIDOID]);
const GIFT_MAPPINGS: Query = query!("recommend/gift_mappings", []);
const SWIPE_TABLES: Query = query!("recommend/swipe_tables", []);
const SWIPES: Query = query!("recommend/swipes", [UUIDOID]);
const CATEGORIES: Query = query!("recommend/categories", []);
const LISTS: Query = query!(
    "recommend/lists",
    [TEXTARRAYOID, INT4ARRAYOID, INT4ARRAYOID, FLOAT8OID]
);
const GROUP_PRODUCTS: Query = query!(
    "recommend/group_products",
    [INT8ARRAYOID, INT8OID, FLOAT8OID]
);
const UPSERT: Query = query!(
    "recommend/upsert",
    [
        UUIDOID,
        UUIDOID,
        FLOAT8OID,
        TEXTOID,
        UUIDARRAYOID,
        FLOAT8ARRAYOID,
        FLOAT8ARRAYOID,
        FLOAT8ARRAYOID,
        FLOAT8ARRAYOID,
        TEXTARRAYOID,
        TEXTARRAYOID,
        TEXTOID
    ]
);

/// A cache error as 55000 (personality_recommend and the hybrid engine).
pub(crate) fn plan_error(e: PlanError) -> Error {
    match e {
        PlanError::Spi(e) => spi_error(e),
        PlanError::NotInstalled => Error::not_installed(),
    }
}

/// `q`'s plan from the one plan cache (crate::cache), run read-only when it can be.
pub(crate) fn plan(client: &SpiClient<'_>, q: &Query) -> Rc<OwnedPreparedStatement> {
    cache::prepared_read(client, q).unwrap_or_else(|e| raise(plan_error(e)))
}

/// `q` with its run-time holes filled in (crate::cache::prepared_filled).
pub(crate) fn filled(
    client: &SpiClient<'_>,
    q: &Query,
    holes: &[(&str, &str)],
) -> Rc<OwnedPreparedStatement> {
    cache::prepared_filled(client, q, holes).unwrap_or_else(|e| raise(plan_error(e)))
}

/// The catalog through SPI, for the top-k algorithms of personality_core::topk.
struct SpiCatalog<'a, 'b> {
    client: &'a SpiClient<'b>,
    max_price: Option<f64>,
}

/// The five shares of a row, from column `first` on.
fn shares_at(
    r: &pgrx::spi::SpiHeapTupleData<'_>,
    first: usize,
) -> Result<Vector, pgrx::spi::Error> {
    let mut shares = [0.0; 5];
    for (i, share) in shares.iter_mut().enumerate() {
        *share = r.get::<f32>(first + i)?.unwrap_or(0.0) as f64;
    }
    Ok(shares)
}

impl CatalogSource for SpiCatalog<'_, '_> {
    type Id = Key;
    type Error = pgrx::spi::Error;

    fn group_products(&mut self, groups: &[i64], limit: i64) -> Result<Vec<Row<Key>>, Self::Error> {
        let stmt = group_products_stmt(self.client);
        let rows = self.client.select(
            &*stmt,
            None,
            &[groups.to_vec().into(), limit.into(), self.max_price.into()],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let Some(id) = r.get::<Uuid>(2)? else {
                continue;
            };
            out.push(Row {
                id: *id.as_bytes(),
                part: usize::try_from(r.get::<i64>(1)?.unwrap_or(1) - 1).unwrap_or(0),
                list: 0,
                category: r.text(3)?,
                price: r.get::<f64>(4)?,
                shares: shares_at(&r, 5)?,
            });
        }
        Ok(out)
    }

    fn lists(&mut self, request: &[(&Partition, i32)]) -> Result<Vec<Row<Key>>, Self::Error> {
        let cats: Vec<String> = request.iter().map(|(p, _)| p.category.clone()).collect();
        let bands: Vec<i32> = request.iter().map(|(p, _)| p.band).collect();
        let depths: Vec<i32> = request.iter().map(|(_, n)| *n).collect();
        let stmt = lists_stmt(self.client);
        let rows = self.client.select(
            &*stmt,
            None,
            &[
                cats.into(),
                bands.into(),
                depths.into(),
                self.max_price.into(),
            ],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let part = r.get::<i64>(1)?.unwrap_or(1).max(1) as usize - 1;
            let list = r.get::<i32>(2)?.unwrap_or(0).clamp(0, 4) as usize;
            let Some(id) = r.get::<Uuid>(3)? else {
                continue;
            };
            out.push(Row {
                id: *id.as_bytes(),
                part,
                list,
                category: None,
                price: r.get::<f64>(4)?,
                shares: shares_at(&r, 5)?,
            });
        }
        Ok(out)
    }
}

/// The catalog's (category, price band) partitions with active products.
fn load_partitions(client: &SpiClient<'_>) -> Result<Vec<Partition>, pgrx::spi::Error> {
    client
        .select(&*categories_stmt(client), None, &[])?
        .map(|r| {
            Ok(Partition {
                category: r.text(1)?.unwrap_or_default(),
                band: r.get::<i32>(2)?.unwrap_or(3),
            })
        })
        .collect()
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
    let limit = crate::guc::MAX_GROUPS.get() as i64;
    if limit <= 0 {
        return None;
    }
    // copied per connection (crate::derived)
    let rows = crate::derived::groups(client, limit);
    if rows.is_empty() {
        // too many groups, or none (no vectors yet: the threshold path finds nothing too)
        return None;
    }
    let mut groups: Vec<RankedGroup> = Vec::with_capacity(rows.len());
    let mut ranker = recommend::Ranker::new(person, w);
    for r in rows.iter() {
        if !topk::band_allowed(r.band, max_price)
            || avoided
                .iter()
                .any(|a| a.as_deref() == Some(r.category.as_str()))
        {
            continue;
        }
        if r.shares.iter().all(|x| *x <= 0.0) {
            continue;
        }
        let product = Product {
            category: Some(r.category.clone()).filter(|c| !c.is_empty()),
            price: recommend::band_price(r.band),
            shares: r.shares,
        };
        groups.push(RankedGroup {
            fit: ranker.combined(&product),
            id: r.id,
            category: product.category,
            products: r.products.max(0) as usize,
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
fn group_products_stmt(client: &SpiClient<'_>) -> Rc<OwnedPreparedStatement> {
    plan(client, &GROUP_PRODUCTS)
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
            .map(|f| Uuid::from_bytes(f.id))
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
                .filter(|f| !have.contains(&f.id))
                .map(|f| Uuid::from_bytes(f.id)),
        );
    }
    out
}

/// The 0.2.0 content ranker: the best `k` products by combined score (personality
/// match, category alignment, behaviour), active, under the price cap, not avoided,
/// not swiped. By product groups (personality_core::topk::grouped_top_k), or with more
/// groups than personality.max_groups by the threshold algorithm (threshold_top_k).
pub(crate) fn content_top(
    client: &SpiClient<'_>,
    person: &Person,
    w: &Weights,
    k: usize,
    swiped: &HashSet<Key>,
    avoided: &[Option<String>],
    max_price: Option<f64>,
) -> Vec<Found<Key>> {
    let mut source = SpiCatalog { client, max_price };
    if let Some(ranked) = ranked_groups(client, person, w, avoided, max_price) {
        let groups: Vec<GroupFit> = ranked
            .iter()
            .map(|g| GroupFit {
                fit: g.fit,
                id: g.id,
                products: g.products as i64,
            })
            .collect();
        let (found, s) = spi(topk::grouped_top_k(
            person,
            w,
            k,
            &groups,
            swiped,
            max_price,
            &mut source,
        ));
        pgrx::debug1!(
            "personality_recommend: {} groups ranked, {} used, {} rows read, {} scored",
            s.parts,
            s.used,
            s.rows,
            s.scored
        );
        return found;
    }
    let parts = topk::partitions(spi(load_partitions(client)), avoided, max_price);
    let (found, s) = spi(topk::threshold_top_k(
        person,
        w,
        k,
        &parts,
        swiped,
        max_price,
        &mut source,
    ));
    pgrx::debug1!(
        "personality_recommend: {} partitions, {} round trips, {} rows read, {} scored",
        s.parts,
        s.used,
        s.rows,
        s.scored
    );
    found
}

/// What personality_recommend knows about the person before ranking.
struct Loaded {
    profile_id: Uuid,
    person: Person,
    swiped: HashSet<Key>,
    swipes: Vec<crate::model::SwipeRow>,
    avoided: Vec<Option<String>>,
}

/// The person (P0002 without a profile), their gift mappings and their swipes.
fn load(client: &SpiClient<'_>, user: Uuid, occasion: Option<&str>) -> Loaded {
    let Some((profile_id, mut person)) = spi(load_person(client, user, occasion)) else {
        raise(
            Error::new(
                SqlState::NoDataFound,
                format!("user {user} has no personality profile"),
            )
            .with_hint("Take the quiz first: SELECT * FROM personality_assess(user_id, answers);"),
        )
    };
    phase("person");
    let (swiped, swipes) = spi(load_swipes(client, user, &mut person));
    phase("swipes");
    let avoided = person.avoided_categories().into_iter().map(Some).collect();
    Loaded {
        profile_id,
        person,
        swiped,
        swipes,
        avoided,
    }
}

/// The top `k` by the person's engine (the hybrid one, or the 0.2.0 content ranker for
/// the A/B share personality.hybrid_share leaves out), and the engine's name.
fn rank(
    client: &SpiClient<'_>,
    user: Uuid,
    l: &Loaded,
    w: &Weights,
    k: usize,
    max_price: Option<f64>,
) -> (Vec<crate::model::Out>, &'static str) {
    if crate::model::hybrid_for(user) {
        let rows = crate::model::hybrid(
            client,
            user,
            &l.person,
            w,
            k,
            &l.swipes,
            &l.avoided,
            max_price,
            |want, per_category, categories| {
                diverse_content(
                    client,
                    &l.person,
                    w,
                    &l.swiped,
                    &l.avoided,
                    max_price,
                    want,
                    per_category,
                    categories,
                )
            },
        );
        return (rows, crate::model::HYBRID);
    }
    let rows = content_top(client, &l.person, w, k, &l.swiped, &l.avoided, max_price)
        .into_iter()
        .map(|f| {
            let mut factors = serde_json::Map::new();
            for t in ALL {
                let v = (f.scored.factors[t.index()] * 10000.0).round() / 10000.0;
                factors.insert(t.name().to_string(), serde_json::json!(v));
            }
            crate::model::Out {
                id: Uuid::from_bytes(f.id),
                personality_match: f.scored.personality_match,
                category_alignment: f.scored.category_alignment,
                behavioral_prediction: f.scored.behavioral_prediction,
                combined: f.scored.combined,
                reasons: f.scored.reasons,
                factors,
            }
        })
        .collect();
    (rows, crate::model::CONTENT)
}

/// [`rank`] when the host's row-level security hides products from the caller: ranks a
/// few more than `k` and keeps the top `k` the caller may SELECT; while too few were
/// visible, ranks again for as many as the share seen visible needs (at most 4,000).
fn rank_visible(
    client: &SpiClient<'_>,
    user: Uuid,
    l: &Loaded,
    w: &Weights,
    k: usize,
    max_price: Option<f64>,
    restricted: &crate::visibility::Restricted,
) -> (Vec<crate::model::Out>, &'static str) {
    const MOST: usize = 4000;
    let mut want = k + 10;
    loop {
        let (rows, engine) = rank(client, user, l, w, want, max_price);
        let exhausted = rows.len() < want || want >= MOST;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let seen = restricted.visible(client, &ids);
        let share = (seen.len() as f64 / rows.len().max(1) as f64).max(0.01);
        let kept: Vec<crate::model::Out> = rows
            .into_iter()
            .filter(|r| seen.contains(r.id.as_bytes()))
            .take(k)
            .collect();
        if kept.len() >= k || exhausted {
            return (kept, engine);
        }
        let need = (1.5 * k as f64 / share).ceil() as usize + 10;
        want = need.max(2 * want).min(MOST);
    }
}

/// Upserts the ranked rows into personality_recommendations.
fn store(
    client: &mut SpiClient<'_>,
    user: Uuid,
    l: &Loaded,
    context: &str,
    engine: &str,
    rows: &[crate::model::Out],
) {
    let ids: Vec<Uuid> = rows.iter().map(|f| f.id).collect();
    let col = |g: &dyn Fn(&crate::model::Out) -> f64| -> Vec<f64> { rows.iter().map(g).collect() };
    let reasons: Vec<String> = rows
        .iter()
        .map(|f| serde_json::to_string(&f.reasons).unwrap_or_else(|_| "[]".into()))
        .collect();
    let factors: Vec<String> = rows
        .iter()
        .map(|f| Value::Object(f.factors.clone()).to_string())
        .collect();
    let upsert = cache::prepared(client, &UPSERT).unwrap_or_else(|e| raise(plan_error(e)));
    spi(client.update(
        &*upsert,
        None,
        &[
            user.into(),
            l.profile_id.into(),
            l.person.confidence.clamp(0.0, 1.0).into(),
            Text(context.to_string()).into(),
            ids.into(),
            col(&|f| f.personality_match).into(),
            col(&|f| f.category_alignment).into(),
            col(&|f| f.behavioral_prediction).into(),
            col(&|f| f.combined).into(),
            TextArray(reasons.into_iter().map(Some).collect()).into(),
            TextArray(factors.into_iter().map(Some).collect()).into(),
            engine.into(),
        ],
    ));
}

/// Internal: computes and upserts the top `p_limit` recommendations; returns their
/// product ids, best first. personality_recommend() (sql/recommend_api.sql) checks the
/// caller and the arguments, then calls this.
#[pg_extern(volatile, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn _personality_recommend(
    p_user_id: Uuid,
    p_limit: i32,
    p_context: Text,
    p_occasion: Option<Text>,
    p_max_price: Option<f64>,
) -> Vec<Uuid> {
    let p_context = p_context.as_str();
    let p_occasion = p_occasion.as_ref().map(Text::as_str);
    let k = p_limit.clamp(1, 1000) as usize;
    let w = Weights::new(
        crate::guc::WEIGHT_MATCH.get(),
        crate::guc::WEIGHT_CATEGORY.get(),
        crate::guc::WEIGHT_BEHAVIOR.get(),
    );
    phase("start");
    Spi::connect_mut(|client| {
        crate::derived::begin(client);
        let loaded = load(client, p_user_id, p_occasion);
        let (rows, engine) = match crate::visibility::restricted(client) {
            None => rank(client, p_user_id, &loaded, &w, k, p_max_price),
            Some(r) => rank_visible(client, p_user_id, &loaded, &w, k, p_max_price, &r),
        };
        phase("rank");
        store(client, p_user_id, &loaded, p_context, engine, &rows);
        phase("store");
        pgrx::debug1!("personality_recommend ({engine}) ms: {}", phases_report());
        rows.iter().map(|f| f.id).collect()
    })
}
