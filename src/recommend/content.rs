//! The content ranker of personality_recommend (the 0.2.0 engine, and the personality-
//! fit candidates of the hybrid one): per-trait sorted product vectors and product
//! groups through SPI, the top-k algorithms in personality_core::topk.
use crate::cache::{query, Query};
use crate::copies::Key;
use crate::spi::{or_raise, plan};
use crate::text::RowText;
use personality_core::recommend::{self, Person, Product, Weights};
use personality_core::topk::{self, CatalogSource, Found, GroupFit, Partition, Row};
use personality_core::traits::Vector;
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use pgrx::Uuid;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

const CATEGORIES: Query = query!("recommend/categories", []);
const LISTS: Query = query!(
    "recommend/lists",
    [TEXTARRAYOID, INT4ARRAYOID, INT4ARRAYOID, FLOAT8OID]
);

/// The catalog's categories with active products (a skip scan of the category index).
fn categories_stmt(client: &SpiClient<'_>) -> Rc<OwnedPreparedStatement> {
    plan(client, &CATEGORIES)
}

/// For each given category, the first n products of each of the five per-trait lists.
fn lists_stmt(client: &SpiClient<'_>) -> Rc<OwnedPreparedStatement> {
    plan(client, &LISTS)
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
        // copied per connection (crate::copies)
        let lists = crate::copies::group_products(self.client, groups, limit, self.max_price);
        let mut out = Vec::with_capacity(lists.iter().map(|(_, l)| l.len()).sum());
        for (part, list) in lists {
            for p in list.iter() {
                out.push(Row {
                    id: p.id,
                    part,
                    list: 0,
                    category: p.category.clone(),
                    price: p.price,
                    shares: p.shares,
                });
            }
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
    // copied per connection (crate::copies)
    let rows = crate::copies::groups(client, limit);
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
    // copied per connection (crate::copies)
    for (ord, list) in crate::copies::group_products(client, &gids, limit, max_price) {
        let category = gids
            .get(ord)
            .and_then(|g| category_of.get(g).copied())
            .flatten();
        for p in list.iter() {
            if swiped.contains(&p.id) {
                continue;
            }
            let n = per.entry(category).or_insert(0);
            if *n < per_category {
                *n += 1;
                out.push(Uuid::from_bytes(p.id));
            }
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
        let (found, s) = or_raise(topk::grouped_top_k(
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
    let parts = topk::partitions(or_raise(load_partitions(client)), avoided, max_price);
    let (found, s) = or_raise(topk::threshold_top_k(
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
