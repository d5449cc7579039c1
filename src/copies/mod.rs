//! Per-connection copies of the derived tables that personality_recommend reads on
//! every call and that change rarely: product rows (vector and item stats), neighbour
//! lists and product groups.
//!
//! Swipes never write these tables. Product changes write them (the products link's
//! triggers), and so does personality_refresh_model(). Each of them carries a statement
//! trigger (`_personality_derived_changed`) that sends a relcache invalidation. Postgres
//! delivers it to every backend, transactionally:
//! - other backends get it when the writer commits;
//! - the writer's own backend gets it at its next command, and again when it rolls back.
//!
//! [`invalidated`] (called from the extension's one relcache callback) then starts a
//! new copy generation. A copy made before that generation is never used. There are two:
//! the product vectors' and groups' (every copy ends), and the model's, item stats and
//! neighbour lists, which `personality_refresh_model()` writes: then only the neighbour
//! lists and the stats end; the copied vectors are kept and their stats read again.
//!
//! A call first takes pending invalidations ([`begin`]) and only then reads. So a copy
//! is never older than the latest change committed before the call started, which is
//! what a fresh READ COMMITTED snapshot sees. Under REPEATABLE READ and SERIALIZABLE
//! the transaction's snapshot may be older than a copy: there the copies last one call
//! only. They are bounded by personality.cache_mb and dropped whole when full.
//!
//! Writing these tables with their triggers disabled (`session_replication_role =
//! replica`, `ALTER TABLE ... DISABLE TRIGGER`) sends no invalidation: connections that
//! were open then keep their copies until the next change or until they reconnect.
use crate::cache::{self, query, Query};
use crate::errors::raise;
use crate::spi::{or_raise, plan_error};
#[allow(unused_imports)]
use crate::text::RowText;
use personality_core::collab::keyhash::KeyState;
use personality_core::collab::neighbours::Neighbour;
use personality_core::collab::score::IdMap;
use personality_core::collab::Item;
use pgrx::prelude::*;
use pgrx::spi::OwnedPreparedStatement;
use pgrx::spi::SpiClient;
use pgrx::Uuid;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::rc::Rc;

/// A product id as its 16 bytes (the key of every per-connection map).
pub(crate) mod datums;
mod read;
pub(crate) use read::{group_products, groups, neighbour_lists, product_rows};

pub(crate) type Key = [u8; 16];
type KeyMap<V> = HashMap<Key, V, KeyState>;

/// The hash key of this connection's product-id maps (personality_core::collab::keyhash),
/// drawn once from the standard library's random source.
pub(crate) fn key_state() -> KeyState {
    KEY.with(|k| *k)
}

/// Registers the copies with the one invalidation hub (crate::cache).
pub fn init() {
    crate::cache::on_invalidation(invalidated);
}

/// Item stats of a product as stored (personality_item_stats).
#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub likes: f64,
    pub dislikes: f64,
    pub neutral: f64,
    pub decayed_likes: f64,
    /// `at` in seconds, None when NULL
    pub at: Option<f64>,
}

/// A product as the recommender reads it: its vector row and its stats.
#[derive(Debug, Clone)]
pub struct ProductRow {
    /// '' when the product has none
    pub category: String,
    pub price: Option<f64>,
    pub active: bool,
    pub strength: f64,
    pub shares: [f64; 5],
    /// None when the product has no item stats (nobody swiped it at the last refresh)
    pub stats: Option<Stats>,
    pub side_likes: [f64; 5],
}

/// One row of personality_vector_groups with active products.
#[derive(Debug)]
pub struct GroupRow {
    pub id: i64,
    pub category: String,
    pub band: i32,
    pub shares: [f64; 5],
    pub products: i64,
}

/// A product of a group as the content ranker reads it (recommend/group_products.sql).
#[derive(Debug)]
pub struct GroupProduct {
    pub id: Key,
    pub category: Option<String>,
    pub price: Option<f64>,
    pub shares: [f64; 5],
}

/// The first products of a group by product id (active, under a price cap): the group,
/// how many were asked for, and the price cap's bits (None: no cap).
type GroupKey = (i64, i64, Option<u64>);

/// Dense indices of product ids, the same for the whole connection while the copies
/// last: the copied neighbour lists are stored in them, so a request reads them without
/// mapping each neighbour's id again.
pub(crate) struct Registry {
    index: KeyMap<Item>,
    ids: Vec<Uuid>,
}

impl Registry {
    fn new() -> Self {
        Registry {
            index: HashMap::with_capacity_and_hasher(4096, key_state()),
            ids: Vec::with_capacity(4096),
        }
    }

    /// The index of `id`, given one if it has none yet.
    pub(crate) fn intern(&mut self, id: Uuid) -> Item {
        let next = self.ids.len() as Item;
        let i = *self.index.entry(*id.as_bytes()).or_insert(next);
        if i == next {
            self.ids.push(id);
        }
        i
    }

    /// The index of `id` if it has one.
    pub(crate) fn get(&self, id: &Uuid) -> Option<Item> {
        self.index.get(id.as_bytes()).copied()
    }

    /// The product id of index `i` (given by this registry; the nil uuid otherwise).
    pub(crate) fn id(&self, i: Item) -> Uuid {
        self.ids
            .get(i as usize)
            .copied()
            .unwrap_or_else(|| Uuid::from_bytes([0; 16]))
    }
}

/// The copies, with the (cache generation, vector generation) they were made in.
pub(super) struct Copies {
    key: (u64, u64),
    /// the model generation of the neighbour lists (and of the stats of the rows marked
    /// with it)
    model: u64,
    /// what the copies hold; past personality.cache_mb they are dropped at the next
    /// call's start (never during a call, whose indices must stay valid)
    bytes: usize,
    /// each product's row (None: no vector) with the model generation of its stats
    rows: KeyMap<Option<(Rc<ProductRow>, u64)>>,
    /// None while lent to a request ([`lend_registry`])
    registry: Option<Registry>,
    /// what the registry was last accounted as
    registry_bytes: usize,
    /// which start of the copies this is (a lent registry returns only to its own)
    epoch: u64,
    neighbours: IdMap<Rc<[Neighbour]>>,
    /// personality.max_groups the groups were read with, and the groups (empty: more
    /// groups than that, or none)
    groups: Option<(i64, Rc<Vec<GroupRow>>)>,
    /// the first products of groups, by (group, limit, price cap)
    group_products: HashMap<GroupKey, Rc<[GroupProduct]>>,
}

impl Default for Copies {
    fn default() -> Self {
        Copies {
            key: (0, 0),
            model: 0,
            bytes: 0,
            rows: HashMap::with_hasher(key_state()),
            registry: Some(Registry::new()),
            registry_bytes: 0,
            epoch: 0,
            neighbours: IdMap::default(),
            groups: None,
            group_products: HashMap::new(),
        }
    }
}

thread_local! {
    static KEY: KeyState = {
        let r = std::collections::hash_map::RandomState::new();
        KeyState::new(r.hash_one(0x5eed_u64), r.hash_one(0xfeed_u64))
    };
    static COPIES: RefCell<Copies> = RefCell::new(Copies::default());
    /// the generation of the vector tables' copies (personality_product_vectors,
    /// personality_vector_groups)
    static COPY_GEN: Cell<u64> = const { Cell::new(1) };
    /// the generation of the model tables' copies (personality_item_stats,
    /// personality_item_neighbours)
    static MODEL_GEN: Cell<u64> = const { Cell::new(1) };
    /// the tables whose invalidation ends copies (with whether it is a model table), and
    /// the cache generation they were looked up in
    static WATCHED: RefCell<(u64, Vec<(pg_sys::Oid, bool)>)> = const { RefCell::new((0, Vec::new())) };
}

const TABLES: Query = query!("copies/tables", []);
const PRODUCT_ROWS: Query = query!("copies/product_rows", [UUIDARRAYOID]);
const STATS_ROWS: Query = query!("copies/stats_rows", [UUIDARRAYOID]);
const NEIGHBOURS: Query = query!("copies/neighbours", [UUIDARRAYOID]);
const GROUPS: Query = query!("copies/groups", [INT8OID]);
const GROUP_PRODUCTS: Query = query!(
    "recommend/group_products",
    [INT8ARRAYOID, INT8OID, FLOAT8OID]
);

/// `q` prepared to run with a new snapshot (not read-only): the rows it reads are at
/// least as new as every invalidation [`begin`] took.
pub(super) fn fresh(client: &SpiClient<'_>, q: &Query) -> Rc<OwnedPreparedStatement> {
    cache::prepared(client, q).unwrap_or_else(|e| raise(plan_error(e)))
}

/// Relcache callback (from crate::cache): no catalog access, no allocation.
pub(crate) fn invalidated(relid: pg_sys::Oid) {
    // (a vector table, a model table): a reset, or a list being looked up, is both
    let (vectors, model) = if relid == pg_sys::InvalidOid {
        (true, true)
    } else {
        WATCHED.with(|w| {
            w.try_borrow().map_or((true, true), |w| {
                w.1.iter()
                    .find(|(oid, _)| *oid == relid)
                    .map_or((false, false), |(_, m)| (!m, *m))
            })
        })
    };
    if vectors {
        COPY_GEN.with(|g| g.set(g.get().wrapping_add(1)));
    }
    if model {
        MODEL_GEN.with(|g| g.set(g.get().wrapping_add(1)));
    }
}

/// Whether copies may outlive this call: on, and the transaction takes a new snapshot
/// per statement.
fn copies_on() -> bool {
    // SAFETY: reading a backend-local global.
    let xact_snapshot = unsafe { pg_sys::XactIsoLevel } >= pg_sys::XACT_REPEATABLE_READ as i32;
    crate::guc::CACHE_MB.get() > 0 && !xact_snapshot
}

/// Starts a call: takes pending invalidations, then keeps the copies only if they are
/// of the current generations (and may be kept at all).
pub(crate) fn begin(client: &SpiClient<'_>) {
    // SAFETY: what every lock acquisition does; outside any borrow of our state.
    unsafe { pg_sys::AcceptInvalidationMessages() };
    let gen = cache::generation();
    if WATCHED.with(|w| w.borrow().0) != gen {
        let stmt = fresh(client, &TABLES);
        let oids: Vec<(pg_sys::Oid, bool)> = or_raise(client.select(&*stmt, None, &[]))
            .filter_map(|r| {
                let oid = or_raise(r.get::<pg_sys::Oid>(1))?;
                Some((oid, or_raise(r.get::<bool>(2)).unwrap_or(false)))
            })
            .collect();
        WATCHED.with(|w| *w.borrow_mut() = (gen, oids));
        // SAFETY: as above; an invalidation queued while we looked is taken now.
        unsafe { pg_sys::AcceptInvalidationMessages() };
    }
    let key = (gen, COPY_GEN.with(Cell::get));
    let model = MODEL_GEN.with(Cell::get);
    let kept = copies_on();
    COPIES.with(|c| {
        let mut c = c.borrow_mut();
        // a registry never returned (the call that borrowed it failed) may be behind the
        // neighbour lists: start again
        if !kept || c.key != key || c.registry.is_none() || c.bytes > budget() {
            let epoch = c.epoch.wrapping_add(1);
            *c = Copies::default();
            c.epoch = epoch;
            // a copy made for one call only never matches a later call's key
            c.key = if kept { key } else { (0, 0) };
            c.model = model;
        } else if c.model != model {
            // the model changed (a refresh): its neighbour lists end, and the copied
            // rows' stats are read again when next asked for (their generation is
            // older); the vectors, groups and product numbers stay
            c.neighbours.clear();
            c.model = model;
        }
    });
}

/// Accounts `bytes` more; past personality.cache_mb the copies are dropped when the
/// next call starts (a call may pass the budget by what it reads itself).
pub(super) fn account(c: &mut Copies, bytes: usize) {
    c.bytes += bytes;
}

/// What the connection's copies hold now, in bytes (as accounted), and how many times
/// they were started again (for the DEBUG1 line of personality_recommend).
pub(crate) fn held() -> (usize, u64) {
    COPIES.with(|c| c.try_borrow().map_or((0, 0), |c| (c.bytes, c.epoch)))
}

/// personality.cache_mb in bytes.
fn budget() -> usize {
    (crate::guc::CACHE_MB.get().max(0) as usize) << 20
}

/// Lends the connection's product index registry to a request (personality_core's
/// dense items); [`return_registry`] gives it back. Indices given while lent stay valid
/// for the copies' lifetime.
pub(crate) fn lend_registry() -> Lent {
    COPIES.with(|c| {
        let mut c = c.borrow_mut();
        Lent {
            registry: c.registry.take().unwrap_or_else(Registry::new),
            epoch: c.epoch,
        }
    })
}

/// A registry lent to a request, and the copies it belongs to.
pub(crate) struct Lent {
    pub registry: Registry,
    epoch: u64,
}

/// Gives the registry back (after [`lend_registry`]), accounting what it grew by. When
/// the copies were started again meanwhile (a nested call), it is dropped instead.
pub(crate) fn return_registry(lent: Lent) {
    COPIES.with(|c| {
        let mut c = c.borrow_mut();
        if c.epoch != lent.epoch || c.registry.is_some() {
            return;
        }
        let r = lent.registry;
        let bytes = r.ids.len() * 40;
        let grown = bytes.saturating_sub(c.registry_bytes);
        account(&mut c, grown);
        c.registry_bytes = c.registry_bytes.max(bytes);
        c.registry = Some(r);
    });
}

/// Internal: sends a relcache invalidation for `p_table`, one of the tables copied per
/// connection, so that every connection drops its copies when this transaction commits
/// (and this one at its next command). Called by the `_personality_derived_changed`
/// statement triggers; revoked from PUBLIC.
#[pg_extern(volatile, parallel_unsafe)]
fn _personality_invalidate_copies(p_table: pg_sys::Oid) {
    // SAFETY: only for a relation that exists (a trigger's own table); the syscache
    // lookup inside errors cleanly otherwise.
    unsafe {
        if pg_sys::SearchSysCacheExists(
            pg_sys::SysCacheIdentifier::RELOID as i32,
            pg_sys::Datum::from(p_table),
            pg_sys::Datum::from(0),
            pg_sys::Datum::from(0),
            pg_sys::Datum::from(0),
        ) {
            pg_sys::CacheInvalidateRelcacheByRelid(p_table);
        }
    }
}
