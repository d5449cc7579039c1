//! What the extension caches per backend (its schema's name, prepared plans) and the
//! one event that throws it all away.
//!
//! SQL that Rust runs is a [`Query`]: a file under `sql/queries/` compiled in with
//! `include_str!` ([`query!`]), naming every object qualified: `@extschema@.` for the
//! extension's (replaced by its quoted schema), `pg_catalog.` and
//! `OPERATOR(pg_catalog.=)` for built-ins. [`prepared`] is the one plan cache.
//!
//! Cached SQL names the extension's schema in its text. After `DROP EXTENSION` and
//! `CREATE EXTENSION` (perhaps in another schema) a backend that kept those plans
//! would fail with 42P01 until it reconnected. So every cache records the
//! [`generation`] it was built in, and a relcache callback starts a new generation
//! whenever `personality_profiles` (dropped with the extension) is invalidated, or
//! the whole relcache is reset.
#[allow(unused_imports)]
use crate::text::RowText;
use pgrx::prelude::*;
use pgrx::spi::{OwnedPreparedStatement, SpiClient};
use pgrx::PgOid;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

thread_local! {
    static GENERATION: Cell<u64> = const { Cell::new(1) };
    /// bumped by every relcache invalidation (any relation, or a reset) and every
    /// invalidation of a schema or a type: what a catalog lookup depends on
    static CATALOG_GENERATION: Cell<u64> = const { Cell::new(1) };
    static WATCHED: Cell<pg_sys::Oid> = const { Cell::new(pg_sys::InvalidOid) };
    static SCHEMA: std::cell::RefCell<Option<(u64, String)>> = const { std::cell::RefCell::new(None) };
    static PLANS: RefCell<(u64, HashMap<&'static str, Rc<OwnedPreparedStatement>>)> =
        RefCell::new((0, HashMap::new()));
    static FILLED: RefCell<HashMap<String, (u64, Rc<OwnedPreparedStatement>)>> =
        RefCell::new(HashMap::new());
}

thread_local! {
    /// What else wants to hear of relcache invalidations (the one invalidation hub):
    /// each is called with the relation (InvalidOid: everything), no catalog access.
    static HUB: RefCell<Vec<fn(pg_sys::Oid)>> = const { RefCell::new(Vec::new()) };
}

/// Registers `f` with the invalidation hub; from a module's `init` (at `_PG_init`).
pub fn on_invalidation(f: fn(pg_sys::Oid)) {
    HUB.with(|h| h.borrow_mut().push(f));
}

/// Registers the relcache callback; called once from `_PG_init`.
pub fn init() {
    // SAFETY: registering a callback with Postgres' invalidation machinery, once per
    // backend, from _PG_init.
    unsafe {
        pg_sys::CacheRegisterRelcacheCallback(Some(invalidated), pg_sys::Datum::from(0));
        for cache in [
            pg_sys::SysCacheIdentifier::NAMESPACEOID,
            pg_sys::SysCacheIdentifier::TYPEOID,
        ] {
            pg_sys::CacheRegisterSyscacheCallback(
                cache as i32,
                Some(catalog_changed),
                pg_sys::Datum::from(0),
            );
        }
    }
}

/// Syscache callback (a schema or a type changed): no catalog access, only bookkeeping.
unsafe extern "C-unwind" fn catalog_changed(_arg: pg_sys::Datum, _cache: i32, _hash: u32) {
    CATALOG_GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
}

/// A number that changes whenever any relation, schema or type may have changed (every
/// relcache invalidation, every schema or type invalidation): a per-connection copy of
/// what a catalog query found is current while this stays the same (after
/// `AcceptInvalidationMessages`). Relcache invalidations come with every DDL on a table
/// (its triggers, columns, name, persistence) and with a reset of the caches.
pub fn catalog_generation() -> u64 {
    CATALOG_GENERATION.with(Cell::get)
}

/// Relcache callback: no catalog access here, only bookkeeping.
unsafe extern "C-unwind" fn invalidated(_arg: pg_sys::Datum, relid: pg_sys::Oid) {
    CATALOG_GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
    HUB.with(|h| {
        for f in h.borrow().iter() {
            f(relid);
        }
    });
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
        let rows = client.select(EXTENSION_SCHEMA.sql, None, &[])?;
        if rows.is_empty() {
            return Ok::<_, pgrx::spi::Error>(None);
        }
        let row = rows.first();
        Ok(row
            .text(1)?
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

/// A statement from `sql/queries/`, with the types of its parameters.
pub struct Query {
    /// its file, relative to `sql/queries/` (the cache key)
    pub name: &'static str,
    /// its text, `@extschema@` standing for the extension's schema
    pub sql: &'static str,
    pub args: &'static [PgOid],
}

/// `query!("wing/name", [UUIDOID, ...])`: the [`Query`] of
/// `sql/queries/wing/name.sql`, compiled in.
macro_rules! query {
    ($name:literal, [$($arg:ident),* $(,)?]) => {
        $crate::cache::Query {
            name: $name,
            sql: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/sql/queries/", $name, ".sql")),
            args: &[$(::pgrx::PgOid::BuiltIn(::pgrx::pg_sys::BuiltinOid::$arg)),*],
        }
    };
}
pub(crate) use query;

/// Why a statement could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Spi(#[from] pgrx::spi::Error),
    /// the extension is not installed in this database (being dropped)
    #[error("the extension personality_ext is not installed in this database")]
    NotInstalled,
}

/// The text of `q` with its schema filled in, to run without preparing it.
pub fn text(q: &Query) -> Result<String, PlanError> {
    let schema = schema().ok_or(PlanError::NotInstalled)?;
    Ok(q.sql.replace("@extschema@", &schema))
}

/// `q`'s plan when it was prepared in this generation.
pub fn cached(q: &Query) -> Option<Rc<OwnedPreparedStatement>> {
    let gen = generation();
    PLANS.with(|p| {
        let p = p.borrow();
        if p.0 == gen {
            p.1.get(q.name).cloned()
        } else {
            None
        }
    })
}

/// `q` prepared once per generation and kept (the one plan cache).
pub fn prepared(
    client: &SpiClient<'_>,
    q: &Query,
) -> Result<Rc<OwnedPreparedStatement>, PlanError> {
    prepare_kept(client, q, true)
}

/// [`prepared`] for a statement that only reads: run read-only (no new snapshot per
/// statement) when the transaction has written nothing yet.
pub fn prepared_read(
    client: &SpiClient<'_>,
    q: &Query,
) -> Result<Rc<OwnedPreparedStatement>, PlanError> {
    prepare_kept(client, q, false)
}

fn prepare_kept(
    client: &SpiClient<'_>,
    q: &Query,
    mutating: bool,
) -> Result<Rc<OwnedPreparedStatement>, PlanError> {
    if let Some(p) = cached(q) {
        return Ok(p);
    }
    let gen = generation();
    let sql = text(q)?;
    let plan = Rc::new(if mutating {
        client.prepare_mut(&sql, q.args)?.keep()
    } else {
        client.prepare(&sql, q.args)?.keep()
    });
    PLANS.with(|p| {
        let mut p = p.borrow_mut();
        if p.0 != gen {
            *p = (gen, HashMap::new());
        }
        p.1.insert(q.name, plan.clone());
    });
    Ok(plan)
}

/// `q` with its `@name@` holes filled in at run time (a host table's name, quoted and
/// qualified from the catalog), prepared read-only once per resulting text and
/// generation; a few texts per database.
pub fn prepared_filled(
    client: &SpiClient<'_>,
    q: &Query,
    holes: &[(&str, &str)],
) -> Result<Rc<OwnedPreparedStatement>, PlanError> {
    let gen = generation();
    let schema = schema().ok_or(PlanError::NotInstalled)?;
    let mut all = vec![("extschema", schema.as_str())];
    all.extend_from_slice(holes);
    let sql = fill(q.sql, &all);
    if let Some(p) = FILLED.with(|c| {
        c.borrow()
            .get(&sql)
            .filter(|(g, _)| *g == gen)
            .map(|(_, p)| p.clone())
    }) {
        return Ok(p);
    }
    let plan = Rc::new(client.prepare(&sql, q.args)?.keep());
    FILLED.with(|c| {
        let mut c = c.borrow_mut();
        // a renamed or re-attached table leaves its old text behind: keep the map small
        c.retain(|_, (g, _)| *g == gen);
        if c.len() >= 64 {
            c.clear();
        }
        c.insert(sql, (gen, plan.clone()));
    });
    Ok(plan)
}

/// `template` with each `@name@` of `holes` replaced by its value, in one pass (a value
/// that happens to contain `@name@` is left as it is).
fn fill(template: &str, holes: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    'scan: while let Some(at) = rest.find('@') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        for (name, value) in holes {
            let hole = rest
                .strip_prefix('@')
                .and_then(|r| r.strip_prefix(name))
                .and_then(|r| r.strip_prefix('@'));
            if let Some(after) = hole {
                out.push_str(value);
                rest = after;
                continue 'scan;
            }
        }
        out.push('@');
        rest = &rest[1..];
    }
    out.push_str(rest);
    out
}

/// Forgets every prepared plan (after an error: the extension may have been re-created,
/// or a library upgrade left a plan broken); they are prepared again when next used.
pub fn reset_plans() {
    PLANS.with(|p| p.borrow_mut().1.clear());
    FILLED.with(|c| c.borrow_mut().clear());
}

const EXTENSION_SCHEMA: Query = query!("extension_schema", []);

#[cfg(test)]
mod fill_holes {
    #[test]
    fn fills_each_hole_once() {
        let holes = [("extschema", "\"s@table@\""), ("table", "t")];
        assert_eq!(
            super::fill("SELECT @table@.x FROM @extschema@.y, a@b @", &holes),
            "SELECT t.x FROM \"s@table@\".y, a@b @"
        );
    }
}

#[cfg(test)]
mod query_files {
    use std::path::{Path, PathBuf};

    fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = entry.path();
            if p.is_dir() {
                files(&p, ext, out);
            } else if p.extension().is_some_and(|e| e == ext) {
                out.push(p);
            }
        }
    }

    /// Every file of sql/queries/ is a statement some Rust code runs, named once.
    #[test]
    fn every_query_file_is_used_exactly_once() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut rust = Vec::new();
        files(&root.join("src"), "rs", &mut rust);
        let source: String = rust
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect();
        let mut sql = Vec::new();
        files(&root.join("sql/queries"), "sql", &mut sql);
        assert!(!sql.is_empty());
        for p in sql {
            let name = p
                .strip_prefix(root.join("sql/queries"))
                .unwrap_or(&p)
                .with_extension("");
            let name = name.to_string_lossy();
            let uses = source.matches(&format!("query!(\"{name}\"")).count()
                + source.matches(&format!("query!(\n    \"{name}\"")).count();
            assert_eq!(uses, 1, "sql/queries/{name}.sql used {uses} times");
        }
    }
}
