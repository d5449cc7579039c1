//! From the swipes read to the rows written: folds the new swipes into the people's
//! opinions, recomputes the stats of the products with new swipes and the neighbour
//! lists that can have changed (personality_core::collab::neighbours: a row changes
//! only if its product is liked by a person with new swipes, or co-liked with such a
//! product, before or after), and writes the rows that differ. A full refresh
//! recomputes everything and writes what differs from the stored rows (stored.rs).
use super::read::{self, Model};
use super::{stored, write, Outcome};
use personality_core::collab::neighbours::{Index, Neighbour, Params, Scratch};
use personality_core::collab::opinions::{self, Opinion};
use personality_core::collab::Item;
use pgrx::spi::{SpiClient, SpiError};
use std::collections::HashMap;

/// Rows built between two looks for a cancel.
const ROWS_PER_PASS: usize = 2_000;

pub(super) fn run(
    client: &mut SpiClient<'_>,
    m: &mut Model,
    out: &mut Outcome,
    bound: i64,
    clock: &mut std::time::Instant,
) -> Result<(), SpiError> {
    m.renumber();
    // the changed people's opinions before, then the new swipes folded in
    let fresh = std::mem::take(&mut m.fresh);
    let mut by_person: HashMap<usize, Vec<Opinion>> = HashMap::new();
    for (p, o) in &fresh {
        by_person.entry(*p).or_default().push(*o);
    }
    let mut changed: Vec<usize> = by_person.keys().copied().collect();
    changed.sort_unstable();
    let mut before: HashMap<usize, Vec<Opinion>> = HashMap::new();
    for &p in &changed {
        pgrx::check_for_interrupts!();
        if !out.full {
            before.insert(p, m.persons[p].clone());
        }
        opinions::fold(&mut m.persons[p], &by_person[&p]);
    }
    out.people_changed = changed.len() as i64;
    out.step("fold", clock);
    let n_items = m.products.len();
    if out.full {
        write::clear_people(client)?; // every person's opinions are written below
    }
    // stats: the products with new swipes (all on a full rebuild)
    let mut wanted = vec![out.full; n_items];
    for (_, o) in &fresh {
        wanted[o.item as usize] = true;
    }
    out.stats_written = stats(client, m, &wanted, bound, out.full)?;
    out.step("stats", clock);
    // people's opinions: the changed ones (all on a full rebuild)
    let people: Vec<usize> = if out.full {
        (0..m.persons.len()).collect()
    } else {
        changed.clone()
    };
    write::people(client, m, &people)?;
    out.step("people", clock);
    out.rows_written = neighbours(client, m, &before, &changed, out.full)?;
    out.step("neighbours", clock);
    Ok(())
}

/// Computes and writes the stats of the products `wanted`; returns the rows written.
fn stats(
    client: &mut SpiClient<'_>,
    m: &Model,
    wanted: &[bool],
    bound: i64,
    full: bool,
) -> Result<i64, SpiError> {
    // the likers of those products, for their trait scores
    let mut likers: Vec<usize> = Vec::new();
    for (p, ops) in m.persons.iter().enumerate() {
        if ops.iter().any(|o| o.is_like() && wanted[o.item as usize]) {
            likers.push(p);
        }
    }
    let scores = read::traits(client, m, &likers)?;
    pgrx::check_for_interrupts!();
    let mut st = opinions::product_stats(&m.persons, m.products.len(), wanted, bound, |p| {
        scores.get(&p).copied()
    });
    let mut gone = Vec::new();
    if full {
        // only what differs from the stored rows; the rows of products nobody has an
        // opinion of any more go
        let mut old = stored::stats(client, bound)?;
        for (i, s) in st.iter_mut().enumerate() {
            let same = match (s.as_ref(), old.remove(&m.products[i])) {
                (Some(new), Some(o)) => stored::same_stats(new, &o),
                _ => false,
            };
            if same {
                *s = None;
            }
        }
        gone.extend(old.into_keys().map(pgrx::Uuid::from_bytes));
    }
    Ok(write::stats(client, m, &st, bound)? + write::delete_stats(client, &gone)?)
}

/// Recomputes the neighbour lists that can have changed and writes those that did
/// (all on a full rebuild); returns the rows written or deleted.
fn neighbours(
    client: &mut SpiClient<'_>,
    m: &Model,
    before: &HashMap<usize, Vec<Opinion>>,
    changed: &[usize],
    full: bool,
) -> Result<i64, SpiError> {
    if !full && changed.is_empty() {
        return Ok(0);
    }
    let n_items = m.products.len();
    let p = Params::default();
    let likes: Vec<Vec<Item>> = m
        .persons
        .iter()
        .map(|o| opinions::likes_in_time_order(o))
        .collect();
    pgrx::check_for_interrupts!();
    let new = Index::new(&likes, n_items, &p);
    let mut w = write::Neighbours::default();
    let mut sc = Scratch::new(n_items);
    if full {
        let mut old = stored::neighbours(client)?;
        for block in (0..n_items as Item)
            .collect::<Vec<_>>()
            .chunks(ROWS_PER_PASS)
        {
            pgrx::check_for_interrupts!();
            for &i in block {
                let list = new.row(i, &mut sc);
                match old.remove(&m.products[i as usize]) {
                    Some(o) if same_as_stored(m, &list, &o) => {}
                    Some(_) if list.is_empty() => w.gone(m, i),
                    _ if list.is_empty() => {}
                    _ => w.put(client, m, i, &list)?,
                }
            }
        }
        // products nobody likes any more
        for id in old.into_keys() {
            w.gone_id(id);
        }
        return w.finish(client);
    }
    let mut old_likes = likes.clone();
    drop(likes);
    for (&p, ops) in before {
        old_likes[p] = opinions::likes_in_time_order(ops);
    }
    let old = Index::new(&old_likes, n_items, &p);
    drop(old_likes);
    pgrx::check_for_interrupts!();
    let c: Vec<Item> = changed
        .iter()
        .flat_map(|&u| old.likes(u).iter().chain(new.likes(u)).copied())
        .collect();
    let mut mark = vec![false; n_items];
    old.mark_co_liked(&c, &mut mark);
    new.mark_co_liked(&c, &mut mark);
    let rows: Vec<Item> = (0..n_items as Item).filter(|&i| mark[i as usize]).collect();
    let mut sc_old = Scratch::new(n_items);
    for block in rows.chunks(ROWS_PER_PASS) {
        pgrx::check_for_interrupts!();
        for &i in block {
            let list = new.row(i, &mut sc);
            if !same(&list, &old.row(i, &mut sc_old)) {
                if list.is_empty() {
                    w.gone(m, i);
                } else {
                    w.put(client, m, i, &list)?;
                }
            }
        }
    }
    w.finish(client)
}

/// A computed list and a stored one, bit for bit.
fn same_as_stored(m: &Model, a: &[Neighbour], (ids, sims, cos): &stored::List) -> bool {
    a.len() == ids.len()
        && a.len() == sims.len()
        && a.len() == cos.len()
        && a.iter().enumerate().all(|(k, x)| {
            m.products[x.item as usize] == ids[k]
                && x.sim.to_bits() == sims[k].to_bits()
                && (x.co as f32).to_bits() == cos[k].to_bits()
        })
}

/// Two lists as stored (the similarity as real, bit for bit).
fn same(a: &[Neighbour], b: &[Neighbour]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.item == y.item && x.co == y.co && x.sim.to_bits() == y.sim.to_bits())
}
