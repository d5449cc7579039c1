//! What the refresh reads: its lock and mark, the attached swipe tables, the people's
//! opinions the last refresh kept, and the likers' trait scores.
use crate::cache::{query, text, Query};
use personality_core::collab::opinions::{self, Opinion};
use personality_core::collab::Item;
use pgrx::datum::TimestampWithTimeZone;
use pgrx::spi::{SpiClient, SpiError};
use pgrx::{pg_sys, Uuid};
use std::collections::HashMap;

const STATE_ROW: Query = query!("model/state_row", []);
const LOCK_STATE: Query = query!("model/lock_state", []);
const MARK: Query = query!("model/mark", []);
const INPUTS: Query = query!("model/inputs", []);
const SOURCES: Query = query!("model/sources", []);
const PEOPLE: Query = query!("model/people", []);
const TRAITS: Query = query!("model/traits", []);
const READ_SWIPES: Query = query!("model/read_swipes", []);
const COUNT_SWIPES: Query = query!("model/count_swipes", []);

/// Rows fetched from a cursor at a time (a cancel is seen between fetches).
const FETCH: i64 = 20_000;

/// A query's text with the extension's schema, or 55000.
pub(super) fn sql(q: &Query) -> String {
    text(q).unwrap_or_else(|e| crate::errors::raise(crate::spi::plan_error(e)))
}

/// `now()` of the transaction, in microseconds (the mark's unit).
pub(super) fn now_micros() -> i64 {
    // SAFETY: reads the transaction's start timestamp, always set inside a transaction
    unsafe { pg_sys::GetCurrentTransactionStartTimestamp() }
}

/// Locks the state row (one refresh at a time); true when an incremental refresh may
/// start from the stored model.
pub(super) fn lock(client: &mut SpiClient<'_>) -> Result<bool, SpiError> {
    client.update(&sql(&STATE_ROW), None, &[])?;
    let t = client.update(&sql(&LOCK_STATE), None, &[])?;
    Ok(t.first().get_one::<bool>()?.unwrap_or(false))
}

/// The high-water mark, in microseconds.
pub(super) fn mark(client: &mut SpiClient<'_>, hold_seconds: f64) -> Result<i64, SpiError> {
    let t = client.select(&sql(&MARK), Some(1), &[hold_seconds.into()])?;
    Ok(t.first()
        .get_one::<TimestampWithTimeZone>()?
        .map(i64::from)
        .unwrap_or_else(now_micros))
}

/// One attached swipe table as the refresh reads it (_personality_model_inputs).
pub(super) struct Input {
    pub oid: i64,
    /// qualified, quoted name
    pub tab: String,
    /// the direction as text (an expression of the row `s`)
    pub dir: Option<String>,
    /// the time as timestamptz (an expression of `s`), None: no time column
    pub ts: Option<String>,
    pub readable: bool,
    pub warning: Option<String>,
}

pub(super) fn inputs(client: &mut SpiClient<'_>) -> Result<Vec<Input>, SpiError> {
    let mut out = Vec::new();
    for r in client.select(&sql(&INPUTS), None, &[])? {
        pgrx::check_for_interrupts!();
        let (Some(oid), Some(tab)) = (r.get::<i64>(1)?, r.get::<String>(2)?) else {
            continue;
        };
        out.push(Input {
            oid,
            tab,
            dir: r.get::<String>(3)?,
            ts: r.get::<String>(4)?,
            readable: r.get::<bool>(5)?.unwrap_or(false),
            warning: r.get::<String>(6)?,
        });
    }
    Ok(out)
}

/// Per table read by the last refresh: its mark (microseconds) and the rows below it.
pub(super) fn sources(client: &mut SpiClient<'_>) -> Result<HashMap<i64, (i64, i64)>, SpiError> {
    let mut out = HashMap::new();
    for r in client.select(&sql(&SOURCES), None, &[])? {
        if let (Some(oid), Some(until), Some(n)) = (
            r.get::<i64>(1)?,
            r.get::<TimestampWithTimeZone>(2)?,
            r.get::<i64>(3)?,
        ) {
            out.insert(oid, (i64::from(until), n));
        }
    }
    Ok(out)
}

/// Whether every table's rows below its last mark are as many as the last refresh
/// counted (then the stored opinions hold); `counted` gets each readable table's count.
/// A table read last time and unreadable or detached now must have had none.
pub(super) fn counts_hold(
    client: &mut SpiClient<'_>,
    inputs: &[Input],
    sources: &HashMap<i64, (i64, i64)>,
    counted: &mut HashMap<i64, i64>,
) -> Result<bool, SpiError> {
    for i in inputs.iter().filter(|i| i.readable) {
        pgrx::check_for_interrupts!();
        let Some(&(since, _)) = sources.get(&i.oid) else {
            continue; // new: every row is new
        };
        let (below, args) = match &i.ts {
            Some(ts) => (
                format!(
                    " AND {ts} OPERATOR(pg_catalog.<) $1 \
                     AND {ts} OPERATOR(pg_catalog.>) '-infinity'::pg_catalog.timestamptz"
                ),
                vec![micros_arg(since)],
            ),
            None => (String::new(), vec![]),
        };
        let q = sql(&COUNT_SWIPES)
            .replace("@table@", &i.tab)
            .replace("@below@", &below);
        let n = client
            .select(&q, Some(1), &args)?
            .first()
            .get_one::<i64>()?
            .unwrap_or(0);
        counted.insert(i.oid, n);
    }
    Ok(sources
        .iter()
        .all(|(oid, &(_, n))| counted.get(oid).copied().unwrap_or(0) == n))
}

fn micros_arg(t: i64) -> pgrx::datum::DatumWithOid<'static> {
    match TimestampWithTimeZone::try_from(t) {
        Ok(t) => t.into(),
        Err(_) => TimestampWithTimeZone::negative_infinity().into(),
    }
}

/// The people and products the refresh knows, each person's opinions, and the
/// swipes read since the last refresh.
pub(crate) struct Model {
    pub users: Vec<[u8; 16]>,
    user_ix: HashMap<[u8; 16], usize, KeyState>,
    pub products: Vec<[u8; 16]>,
    product_ix: HashMap<[u8; 16], Item, KeyState>,
    pub persons: Vec<Vec<Opinion>>,
    /// new swipes: (person, swipe as an opinion)
    pub fresh: Vec<(usize, Opinion)>,
    opinions: usize,
}

/// Ids are chosen by the host application (possibly by an attacker): the maps hash
/// them with the connection's key (personality_core::collab::keyhash).
type KeyState = personality_core::collab::keyhash::KeyState;

impl Default for Model {
    fn default() -> Self {
        let k = crate::copies::key_state();
        Model {
            users: Vec::new(),
            user_ix: HashMap::with_hasher(k),
            products: Vec::new(),
            product_ix: HashMap::with_hasher(k),
            persons: Vec::new(),
            fresh: Vec::new(),
            opinions: 0,
        }
    }
}

impl Model {
    pub fn person(&mut self, id: [u8; 16]) -> usize {
        if let Some(&u) = self.user_ix.get(&id) {
            return u;
        }
        self.users.push(id);
        self.persons.push(Vec::new());
        self.user_ix.insert(id, self.users.len() - 1);
        self.users.len() - 1
    }

    pub fn product(&mut self, id: &[u8; 16]) -> Item {
        if let Some(&i) = self.product_ix.get(id) {
            return i;
        }
        self.products.push(*id);
        let i = (self.products.len() - 1) as Item;
        self.product_ix.insert(*id, i);
        i
    }

    fn count(&mut self, n: usize) {
        self.opinions += n;
        if self.opinions % 4096 < n {
            super::over_budget(self.opinions);
        }
    }

    /// Numbers the products in id order (the neighbour lists' ties, lower id first).
    pub fn renumber(&mut self) {
        let mut order: Vec<Item> = (0..self.products.len() as Item).collect();
        order.sort_unstable_by_key(|&i| self.products[i as usize]);
        let mut new_of = vec![0 as Item; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_of[old as usize] = new as Item;
        }
        self.products = order.iter().map(|&i| self.products[i as usize]).collect();
        let mut ix =
            HashMap::with_capacity_and_hasher(self.products.len(), crate::copies::key_state());
        ix.extend(
            self.products
                .iter()
                .enumerate()
                .map(|(i, p)| (*p, i as Item)),
        );
        self.product_ix = ix;
        for ops in &mut self.persons {
            for o in ops.iter_mut() {
                o.item = new_of[o.item as usize];
            }
        }
        for (_, o) in &mut self.fresh {
            o.item = new_of[o.item as usize];
        }
    }
}

/// Loads every person's stored opinions; false when one cannot be decoded (the refresh
/// then rebuilds in full).
pub(super) fn people(client: &mut SpiClient<'_>, m: &mut Model) -> Result<bool, SpiError> {
    let mut cur = client.open_cursor(&sql(&PEOPLE), &[]);
    loop {
        pgrx::check_for_interrupts!();
        let batch = cur.fetch(FETCH)?;
        if batch.is_empty() {
            return Ok(true);
        }
        for r in batch {
            let (Some(u), Some(bytes)) = (r.get::<Uuid>(1)?, r.get::<&[u8]>(2)?) else {
                return Ok(false);
            };
            let Some(ops) = opinions::decode(bytes, |id| m.product(id)) else {
                return Ok(false);
            };
            m.count(ops.len());
            let p = m.person(*u.as_bytes());
            m.persons[p] = ops;
        }
    }
}

/// What reading one table gave.
pub(super) struct Read {
    /// swipe rows read
    pub read: i64,
    /// rows below the mark (the table's count for the next refresh's check)
    pub kept: i64,
    /// bad rows skipped (no time, an infinite one, far in the future)
    pub skipped: i64,
}

/// Reads table `i`'s swipes into `m.fresh`: all of them (`since` None) or those from
/// `since` on; rows from the mark to `far` are for a later refresh, later or timeless
/// ones are bad (a WARNING names the first three). A table without a time column is
/// read whole and dated at the mark, new only the first time.
pub(super) fn swipes(
    client: &mut SpiClient<'_>,
    i: &Input,
    since: Option<i64>,
    bound: i64,
    far: i64,
    m: &mut Model,
) -> Result<Read, SpiError> {
    let dir = i.dir.as_deref().unwrap_or("NULL::pg_catalog.text");
    let (ts, filter, args) = match (&i.ts, since) {
        (Some(ts), Some(since)) => (
            ts.as_str(),
            format!(
                " AND ({ts} IS NULL OR {ts} OPERATOR(pg_catalog.>=) $1 \
                 OR {ts} OPERATOR(pg_catalog.=) '-infinity'::pg_catalog.timestamptz)"
            ),
            vec![micros_arg(since)],
        ),
        (Some(ts), None) => (ts.as_str(), String::new(), vec![]),
        (None, Some(_)) => {
            return Ok(Read {
                read: 0,
                kept: 0,
                skipped: 0,
            })
        } // known: counted
        (None, None) => ("NULL::pg_catalog.timestamptz", String::new(), vec![]),
    };
    let q = sql(&READ_SWIPES)
        .replace("@table@", &i.tab)
        .replace("@dir@", dir)
        .replace("@ts@", ts)
        .replace("@since@", &filter);
    let untimed = i.ts.is_none();
    let mut out = Read {
        read: 0,
        kept: 0,
        skipped: 0,
    };
    let mut bad: Vec<(u64, String)> = Vec::new();
    let mut cur = client.open_cursor(&q, &args);
    loop {
        pgrx::check_for_interrupts!();
        let batch = cur.fetch(FETCH)?;
        if batch.is_empty() {
            break;
        }
        m.count(batch.len());
        for r in batch {
            let (Some(u), Some(p)) = (r.get::<Uuid>(1)?, r.get::<Uuid>(2)?) else {
                continue;
            };
            let seq = r
                .get::<pg_sys::ItemPointerData>(5)?
                .map(pgrx::itemptr::item_pointer_to_u64)
                .unwrap_or(0);
            let t = if untimed {
                Some(bound)
            } else {
                r.get::<TimestampWithTimeZone>(4)?.map(i64::from)
            };
            out.read += 1;
            let why = match t {
                None => Some("missing"),
                Some(t) if t == i64::MIN || t == i64::MAX => Some("infinite"),
                Some(t) if t > far => Some("more than 1 day in the future"),
                _ => None,
            };
            if let Some(why) = why {
                out.skipped += 1;
                if bad.len() < 3 {
                    bad.push((
                        seq,
                        format!("user_id {u}, product_id {p}): its time is {why}"),
                    ));
                }
                continue;
            }
            let t = t.unwrap_or(bound);
            if !untimed && t >= bound {
                continue; // for a later refresh
            }
            out.kept += 1;
            let word = r.get::<&[u8]>(3)?.and_then(|b| std::str::from_utf8(b).ok());
            let code = opinions::direction_code(personality_core::learning::parse_direction(word));
            if let Some(dir) = code {
                let person = m.person(*u.as_bytes());
                let item = m.product(p.as_bytes());
                m.fresh.push((
                    person,
                    Opinion {
                        item,
                        dir,
                        ts: t,
                        seq,
                    },
                ));
            }
        }
    }
    warn_bad(i, &bad, out.skipped);
    Ok(out)
}

fn warn_bad(i: &Input, bad: &[(u64, String)], skipped: i64) {
    for (seq, what) in bad {
        let (block, off) = pgrx::itemptr::u64_to_item_pointer_parts(*seq);
        pgrx::warning!(
            "personality_ext: the model skips a swipe of {} (ctid ({block},{off}), {what}",
            i.tab
        );
    }
    if skipped > 3 {
        pgrx::warning!(
            "personality_ext: the model skips {} more swipes of {} with a missing, infinite or future time",
            skipped - 3,
            i.tab
        );
    }
}

/// The trait scores of `users` (person index -> scores), for the side likes.
pub(super) fn traits(
    client: &mut SpiClient<'_>,
    m: &Model,
    users: &[usize],
) -> Result<HashMap<usize, [Option<f64>; 5]>, SpiError> {
    let mut out = HashMap::new();
    for chunk in users.chunks(10_000) {
        pgrx::check_for_interrupts!();
        let ids: Vec<Uuid> = chunk
            .iter()
            .map(|&u| Uuid::from_bytes(m.users[u]))
            .collect();
        let index: HashMap<[u8; 16], usize> = chunk.iter().map(|&u| (m.users[u], u)).collect();
        for r in client.select(&sql(&TRAITS), None, &[ids.into()])? {
            let Some(u) = r.get::<Uuid>(1)? else { continue };
            let Some(&person) = index.get(u.as_bytes()) else {
                continue;
            };
            let v = r.get::<Vec<Option<f64>>>(2)?.unwrap_or_default();
            let mut sc = [None; 5];
            for (t, x) in v.into_iter().take(5).enumerate() {
                sc[t] = x;
            }
            out.insert(person, sc);
        }
    }
    Ok(out)
}
