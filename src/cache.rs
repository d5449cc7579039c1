//! What the extension caches per backend (its schema's name, prepared plans) and the
//! one event that throws it all away.
//!
//! Cached SQL names the extension's schema in its text. After `DROP EXTENSION` and
//! `CREATE EXTENSION` (perhaps in another schema) a backend that kept those plans
//! would fail with 42P01 until it reconnected. So every cache records the
//! [`generation`] it was built in, and a relcache callback starts a new generation
//! whenever `personality_profiles` (dropped with the extension) is invalidated, or
//! the whole relcache is reset.
use pgrx::prelude::*;
use std::cell::Cell;

thread_local! {
    static GENERATION: Cell<u64> = const { Cell::new(1) };
    static WATCHED: Cell<pg_sys::Oid> = const { Cell::new(pg_sys::InvalidOid) };
    static SCHEMA: std::cell::RefCell<Option<(u64, String)>> = const { std::cell::RefCell::new(None) };
}

/// Registers the relcache callback; called once from `_PG_init`.
pub fn init() {
    // SAFETY: registering a callback with Postgres' invalidation machinery, once per
    // backend, from _PG_init.
    unsafe {
        pg_sys::CacheRegisterRelcacheCallback(Some(invalidated), pg_sys::Datum::from(0));
    }
}

/// Relcache callback: no catalog access here, only bookkeeping.
unsafe extern "C-unwind" fn invalidated(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
    let watched = WATCHED.with(Cell::get);
    if relid == pg_sys::InvalidOid || (watched != pg_sys::InvalidOid && relid == watched) {
        GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
    }
}

/// The current generation: a cache built in another one is stale.
pub fn generation() -> u64 {
    GENERATION.with(Cell::get)
}

/// The extension's schema, quoted, looked up once per generation. None when the
/// extension is not installed in this database (a library loaded by another database's
/// objects, or during DROP EXTENSION).
pub fn schema() -> Option<String> {
    let gen = generation();
    if let Some(s) = SCHEMA.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(g, _)| *g == gen)
            .map(|(_, s)| s.clone())
    }) {
        return Some(s);
    }
    // Spi::connect + select, not Spi::get_one: the latter assigns a transaction id,
    // which fails on a hot standby.
    let found = Spi::connect(|client| {
        let rows = client.select(
            "SELECT pg_catalog.quote_ident(n.nspname::pg_catalog.text), \
                    pg_catalog.to_regclass(pg_catalog.quote_ident(n.nspname::pg_catalog.text) \
                      OPERATOR(pg_catalog.||) '.personality_profiles')::pg_catalog.oid \
               FROM pg_catalog.pg_extension e \
               JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace \
              WHERE e.extname OPERATOR(pg_catalog.=) 'personality_ext'",
            None,
            &[],
        )?;
        if rows.is_empty() {
            return Ok::<_, pgrx::spi::Error>(None);
        }
        let row = rows.first();
        Ok(row
            .get::<String>(1)?
            .map(|s| (s, row.get::<pg_sys::Oid>(2).ok().flatten())))
    })
    .ok()
    .flatten()?;
    let (schema, profiles) = found;
    if let Some(oid) = profiles {
        WATCHED.with(|w| w.set(oid));
    }
    SCHEMA.with(|c| *c.borrow_mut() = Some((gen, schema.clone())));
    Some(schema)
}
