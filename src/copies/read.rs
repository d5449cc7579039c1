//! Reading the copied tables: product rows, neighbour lists and product groups, each
//! from the connection's copy when it has one, else through SPI into the copy.
use super::datums::*;
use super::*;
use crate::spi::or_raise;
use crate::text::RowText;
use personality_core::collab::neighbours::Neighbour;
use personality_core::collab::score::IdSet;
use personality_core::collab::Item;
use pgrx::spi::SpiClient;
use pgrx::Uuid;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

fn row_bytes(r: &ProductRow) -> usize {
    std::mem::size_of::<ProductRow>() + r.category.len() + 64
}

fn group_bytes(g: &[GroupRow]) -> usize {
    g.iter()
        .map(|r| std::mem::size_of::<GroupRow>() + r.category.len())
        .sum()
}

/// The rows of the products `ids` that have a vector, by id (inactive ones and those
/// above any price cap too: the caller filters). A row copied before the model changed
/// keeps its vector and gets its stats read again.
pub(crate) fn product_rows(client: &SpiClient<'_>, ids: &[Uuid]) -> KeyMap<Rc<ProductRow>> {
    let mut out = HashMap::with_capacity_and_hasher(ids.len(), key_state());
    let mut missing: Vec<Uuid> = Vec::new();
    let mut stale: Vec<Uuid> = Vec::new();
    let mut asked = HashSet::with_hasher(key_state());
    let model = COPIES.with(|c| {
        let c = c.borrow();
        for id in ids {
            let k = *id.as_bytes();
            match c.rows.get(&k) {
                Some(Some((r, g))) if *g == c.model => {
                    out.insert(k, r.clone());
                }
                Some(Some(_)) => {
                    if asked.insert(k) {
                        stale.push(*id);
                    }
                }
                Some(None) => {}
                None => {
                    if asked.insert(k) {
                        missing.push(*id);
                    }
                }
            }
        }
        c.model
    });
    let mut read: Vec<(Key, Rc<ProductRow>)> = Vec::with_capacity(missing.len() + stale.len());
    if !missing.is_empty() {
        let stmt = fresh(client, &PRODUCT_ROWS);
        let mut table = or_raise(client.select(&*stmt, None, &[missing.clone().into()]));
        let cols = Columns::check(&table, &PRODUCT_ROW_TYPES);
        // the table itself, not its rows: it gives the raw datums of the current row
        while table.next().is_some() {
            let r = &table;
            let Some(id) = cols.uuid(r, 1) else {
                continue;
            };
            let f = |n: usize| cols.f64(r, n);
            let mut shares = [0.0; 5];
            for (t, s) in shares.iter_mut().enumerate() {
                *s = cols.f32(r, 6 + t).unwrap_or(0.0) as f64;
            }
            let (stats, side_likes) = stats_at(r, cols, 11);
            read.push((
                *id.as_bytes(),
                Rc::new(ProductRow {
                    category: or_raise(r.text(2)).unwrap_or_default(),
                    price: f(3),
                    active: cols.bool(r, 4).unwrap_or(false),
                    strength: f(5).unwrap_or(0.0),
                    shares,
                    stats,
                    side_likes,
                }),
            ));
        }
    }
    if !stale.is_empty() {
        let mut fresh_stats: KeyMap<(Option<Stats>, [f64; 5])> =
            HashMap::with_capacity_and_hasher(stale.len(), key_state());
        let stmt = fresh(client, &STATS_ROWS);
        let mut table = or_raise(client.select(&*stmt, None, &[stale.clone().into()]));
        let cols = Columns::check(&table, &STATS_ROW_TYPES);
        while table.next().is_some() {
            let r = &table;
            if let Some(id) = cols.uuid(r, 1) {
                fresh_stats.insert(*id.as_bytes(), stats_at(r, cols, 2));
            }
        }
        COPIES.with(|c| {
            let c = c.borrow();
            for id in &stale {
                let k = *id.as_bytes();
                if let Some(Some((old, _))) = c.rows.get(&k) {
                    // a product without a stats row now has none (nobody swiped it)
                    let (stats, side_likes) = fresh_stats.remove(&k).unwrap_or((None, [0.0; 5]));
                    let mut row = ProductRow::clone(old);
                    row.stats = stats;
                    row.side_likes = side_likes;
                    read.push((k, Rc::new(row)));
                }
            }
        });
    }
    if read.is_empty() && missing.is_empty() {
        return out;
    }
    COPIES.with(|c| {
        let mut c = c.borrow_mut();
        let bytes: usize =
            read.iter().map(|(_, r)| row_bytes(r)).sum::<usize>() + 48 * missing.len();
        account(&mut c, bytes);
        for (k, r) in read {
            out.insert(k, r.clone());
            c.rows.insert(k, Some((r, model)));
        }
        for id in &missing {
            c.rows.entry(*id.as_bytes()).or_insert(None);
        }
    });
    out
}

/// The stored neighbour lists of the products `items` (of the registry `reg`, lent by
/// [`lend_registry`]), in its indices; empty for a product without one.
pub(crate) fn neighbour_lists(
    client: &SpiClient<'_>,
    reg: &mut Registry,
    items: &[Item],
) -> Vec<(Item, Rc<[Neighbour]>)> {
    let mut out = Vec::with_capacity(items.len());
    let mut missing: Vec<Item> = Vec::new();
    let mut asked = IdSet::default();
    COPIES.with(|c| {
        let c = c.borrow();
        for &i in items {
            match c.neighbours.get(&i) {
                Some(l) => out.push((i, l.clone())),
                None => {
                    if asked.insert(i) {
                        missing.push(i);
                    }
                }
            }
        }
    });
    if missing.is_empty() {
        return out;
    }
    let stmt = fresh(client, &NEIGHBOURS);
    let ids: Vec<Uuid> = missing.iter().map(|i| reg.id(*i)).collect();
    let mut read: Vec<(Item, Rc<[Neighbour]>)> = Vec::with_capacity(missing.len());
    let mut rows = or_raise(client.select(&*stmt, None, &[ids.into()]));
    // the table itself, not its rows: it gives the raw datums of the current row
    while rows.next().is_some() {
        let Some(pid) = or_raise(rows.get::<Uuid>(1)) else {
            continue;
        };
        let list = neighbour_list(&rows, reg);
        read.push((reg.intern(pid), list.into()));
    }
    let empty: Rc<[Neighbour]> = Rc::from(Vec::new());
    COPIES.with(|c| {
        let mut c = c.borrow_mut();
        let bytes = read
            .iter()
            .map(|(_, l)| 64 + l.len() * std::mem::size_of::<Neighbour>())
            .sum::<usize>()
            + 64 * missing.len();
        account(&mut c, bytes);
        let mut found = IdSet::default();
        for (i, l) in read {
            found.insert(i);
            out.push((i, l.clone()));
            c.neighbours.insert(i, l);
        }
        for &i in &missing {
            if !found.contains(&i) {
                out.push((i, empty.clone()));
                c.neighbours.insert(i, empty.clone());
            }
        }
    });
    out
}

/// The product groups with active products; empty when there are more than `limit`
/// (personality.max_groups) or none.
pub(crate) fn groups(client: &SpiClient<'_>, limit: i64) -> Rc<Vec<GroupRow>> {
    if let Some(g) = COPIES.with(|c| {
        c.borrow()
            .groups
            .as_ref()
            .filter(|(l, _)| *l == limit)
            .map(|(_, g)| g.clone())
    }) {
        return g;
    }
    let stmt = fresh(client, &GROUPS);
    let mut read = Vec::new();
    for r in or_raise(client.select(&*stmt, None, &[limit.into()])) {
        let mut shares = [0.0; 5];
        for (i, share) in shares.iter_mut().enumerate() {
            *share = or_raise(r.get::<f32>(4 + i)).unwrap_or(0.0) as f64;
        }
        read.push(GroupRow {
            id: or_raise(r.get::<i64>(1)).unwrap_or(0),
            category: or_raise(r.text(2)).unwrap_or_default(),
            band: or_raise(r.get::<i32>(3)).unwrap_or(3),
            shares,
            products: or_raise(r.get::<i64>(9)).unwrap_or(0),
        });
    }
    let g = Rc::new(read);
    COPIES.with(|c| {
        let mut c = c.borrow_mut();
        account(&mut c, group_bytes(&g));
        c.groups = Some((limit, g.clone()));
    });
    g
}

/// One stored neighbour list (columns 2..4: neighbour_ids uuid[], sims real[], cos
/// real[]). The arrays are read in place (detoasted once, elements copied out of the
/// array's data area): pgrx's `Vec<Option<Uuid>>` converts each element through a datum
/// of its own, which cost more than the rest of the request (BENCHMARKS.md). An array
/// that is not the plain shape the refresh writes (one dimension, no NULLs, the
/// expected element type) is read through pgrx instead.
fn neighbour_list(r: &pgrx::spi::SpiTupleTable<'_>, reg: &mut Registry) -> Vec<Neighbour> {
    use pgrx::pg_sys::BuiltinOid::*;
    let datum = |n: usize| or_raise(r.get_datum_by_ordinal(n));
    // SAFETY: the datums come from this row of the SPI result, of the types the
    // statement selects (uuid[], real[], real[]); `plain` checks the element type.
    let fast = unsafe {
        match (datum(2), datum(3), datum(4)) {
            (Some(n), Some(s), Some(c)) => plain::<[u8; 16]>(n, UUIDOID.value()).and_then(|n| {
                Some((
                    n,
                    plain::<f32>(s, FLOAT4OID.value())?,
                    plain::<f32>(c, FLOAT4OID.value())?,
                ))
            }),
            _ => None,
        }
    };
    if let Some((nids, sims, cos)) = fast {
        return nids
            .iter()
            .zip(sims.iter())
            .zip(cos.iter())
            .map(|((id, sim), co)| Neighbour {
                item: reg.intern(Uuid::from_bytes(*id)),
                sim: *sim,
                co: co.max(0.0) as u32,
            })
            .collect();
    }
    let nids: Vec<Option<Uuid>> = or_raise(r.get(2)).unwrap_or_default();
    let sims: Vec<Option<f32>> = or_raise(r.get(3)).unwrap_or_default();
    let cos: Vec<Option<f32>> = or_raise(r.get(4)).unwrap_or_default();
    nids.into_iter()
        .zip(sims)
        .zip(cos)
        .filter_map(|((id, sim), co)| {
            Some(Neighbour {
                item: reg.intern(id?),
                sim: sim.unwrap_or(0.0),
                co: co.unwrap_or(0.0).max(0.0) as u32,
            })
        })
        .collect()
}

fn group_product_bytes(g: &[GroupProduct]) -> usize {
    64 + g
        .iter()
        .map(|r| std::mem::size_of::<GroupProduct>() + r.category.as_ref().map_or(0, |c| c.len()))
        .sum::<usize>()
}

/// Up to `limit` products of each group of `gids` (in that order; by product id within
/// a group), active and under the price cap (recommend/group_products.sql): each with
/// its group's position in `gids`. From the connection's copy when it has the group
/// for this limit and cap, else read (one statement for all the missing groups) into it.
pub(crate) fn group_products(
    client: &SpiClient<'_>,
    gids: &[i64],
    limit: i64,
    max_price: Option<f64>,
) -> Vec<(usize, Rc<[GroupProduct]>)> {
    let cap = max_price.map(f64::to_bits);
    let mut found: HashMap<i64, Rc<[GroupProduct]>> = HashMap::with_capacity(gids.len());
    let mut missing: Vec<i64> = Vec::new();
    COPIES.with(|c| {
        let c = c.borrow();
        for &g in gids {
            if found.contains_key(&g) || missing.contains(&g) {
                continue;
            }
            match c.group_products.get(&(g, limit, cap)) {
                Some(l) => {
                    found.insert(g, l.clone());
                }
                None => missing.push(g),
            }
        }
    });
    if !missing.is_empty() {
        let stmt = fresh(client, &GROUP_PRODUCTS);
        let mut read: Vec<Vec<GroupProduct>> = missing.iter().map(|_| Vec::new()).collect();
        let rows = or_raise(client.select(
            &*stmt,
            None,
            &[missing.clone().into(), limit.into(), max_price.into()],
        ));
        for r in rows {
            let Some(id) = or_raise(r.get::<Uuid>(2)) else {
                continue;
            };
            let ord = or_raise(r.get::<i64>(1)).unwrap_or(0);
            let Some(list) = usize::try_from(ord - 1).ok().and_then(|i| read.get_mut(i)) else {
                continue;
            };
            let mut shares = [0.0; 5];
            for (i, share) in shares.iter_mut().enumerate() {
                *share = or_raise(r.get::<f32>(5 + i)).unwrap_or(0.0) as f64;
            }
            list.push(GroupProduct {
                id: *id.as_bytes(),
                category: or_raise(r.text(3)),
                price: or_raise(r.get::<f64>(4)),
                shares,
            });
        }
        COPIES.with(|c| {
            let mut c = c.borrow_mut();
            for (g, list) in missing.iter().zip(read) {
                let list: Rc<[GroupProduct]> = list.into();
                account(&mut c, group_product_bytes(&list));
                c.group_products.insert((*g, limit, cap), list.clone());
                found.insert(*g, list);
            }
        });
    }
    gids.iter()
        .enumerate()
        .filter_map(|(i, g)| found.get(g).map(|l| (i, l.clone())))
        .collect()
}
