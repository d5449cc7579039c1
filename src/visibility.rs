//! The host's row-level security on products (issue 20 point 2, SECURITY.md).
//!
//! `personality_recommend` and `personality_similar_products` run with the owner's
//! rights, which bypass the host's policies. When the host's products table has
//! row-level security that applies to the caller, what they return or store is cut
//! down to the products the caller may SELECT: the check runs a query under the
//! caller's own identity (the role of the session after `SET ROLE`, as PostgREST
//! sets it: `GetOuterUserId()`), so the host's own policies decide. Without row-level
//! security on the table (or for a role that bypasses it) nothing is filtered and the
//! only cost is one catalog lookup.
use crate::cache::{query, Query};
use crate::spi::{filled, or_raise, plan};
use crate::text::RowText;
use pgrx::prelude::*;
use pgrx::spi::SpiClient;
use pgrx::Uuid;
use std::collections::HashSet;

const HOST_PRODUCTS: Query = query!("visibility/host_products", [OIDOID, OIDOID]);
const VISIBLE: Query = query!("visibility/visible", [UUIDARRAYOID]);

/// The host products table whose policies restrict the caller.
pub struct Restricted {
    /// quoted, qualified name
    table: String,
    /// the caller may read the id column at all
    readable: bool,
    caller: pg_sys::Oid,
}

/// The caller: the role of the session (after SET ROLE), not the owner this code runs as.
fn caller() -> pg_sys::Oid {
    // SAFETY: reads a backend global.
    unsafe { pg_sys::GetOuterUserId() }
}

/// The host's products table as `_personality_host_table('products')` finds it (a
/// permanent table named products in personality.host_schema, the extension's schema
/// or public, first found), by syscache lookups only: the check that costs a request
/// nothing when the table has no row-level security.
fn host_products() -> Option<pg_sys::Oid> {
    let ext = crate::cache::schema().map(|q| {
        q.strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .map(|r| r.replace("\"\"", "\""))
            .unwrap_or(q)
    });
    let schemas = [crate::guc::host_schema(), ext, Some("public".to_string())];
    for schema in schemas.into_iter().flatten() {
        let Ok(name) = std::ffi::CString::new(schema) else {
            continue;
        };
        // SAFETY: syscache lookups by name and oid; missing_ok, so no error.
        unsafe {
            let ns = pg_sys::get_namespace_oid(name.as_ptr(), true);
            if ns == pg_sys::InvalidOid {
                continue;
            }
            let rel = pg_sys::get_relname_relid(c"products".as_ptr(), ns);
            if rel == pg_sys::InvalidOid {
                continue;
            }
            let kind = pg_sys::get_rel_relkind(rel) as u8;
            let persistence = pg_sys::get_rel_persistence(rel) as u8;
            if (kind == b'r' || kind == b'p') && persistence != b't' {
                return Some(rel);
            }
        }
    }
    None
}

/// The restriction the host's row-level security puts on the caller, if any.
pub fn restricted(client: &SpiClient<'_>) -> Option<Restricted> {
    let who = caller();
    let oid = host_products()?;
    // SAFETY: a catalog lookup by oid; noError = true.
    if unsafe { pg_sys::check_enable_rls(oid, who, true) }
        != pg_sys::CheckEnableRlsResult::RLS_ENABLED as i32
    {
        return None;
    }
    let stmt = plan(client, &HOST_PRODUCTS);
    let (table, readable) = or_raise(client.select(&*stmt, Some(1), &[who.into(), oid.into()]))
        .next()
        .map(|r| (or_raise(r.text(1)), or_raise(r.get::<bool>(2))))?;
    let table = table?;
    Some(Restricted {
        table,
        readable: readable.unwrap_or(false),
        caller: who,
    })
}

/// Runs `f` with the caller's identity (SECURITY_LOCAL_USERID_CHANGE forbids SET ROLE
/// meanwhile); the owner's comes back afterwards, also when `f` raises an error.
fn as_caller<T>(who: pg_sys::Oid, f: impl FnOnce() -> T) -> T {
    struct Restore(pg_sys::Oid, i32);
    impl Drop for Restore {
        fn drop(&mut self) {
            // SAFETY: restores what GetUserIdAndSecContext returned below.
            unsafe { pg_sys::SetUserIdAndSecContext(self.0, self.1) };
        }
    }
    let mut user = pg_sys::InvalidOid;
    let mut context: i32 = 0;
    // SAFETY: plain reads and writes of the backend's current user and security context.
    unsafe {
        pg_sys::GetUserIdAndSecContext(&mut user, &mut context);
    }
    let _restore = Restore(user, context);
    unsafe {
        pg_sys::SetUserIdAndSecContext(who, context | pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32);
    }
    f()
}

impl Restricted {
    /// The products of `ids` the caller may SELECT.
    pub fn visible(&self, client: &SpiClient<'_>, ids: &[Uuid]) -> HashSet<[u8; 16]> {
        let mut out = HashSet::new();
        if ids.is_empty() || !self.readable {
            return out;
        }
        // Prepared (once per connection) and run as the caller. A plan that row-level
        // security shaped records the role it was made for, and the plan cache makes
        // it again for any other role, so the caller's own policies always apply.
        as_caller(self.caller, || {
            let stmt = filled(client, &VISIBLE, &[("table", &self.table)]);
            for r in or_raise(client.select(&*stmt, None, &[ids.to_vec().into()])) {
                if let Some(id) = or_raise(r.get::<Uuid>(1)) {
                    out.insert(*id.as_bytes());
                }
            }
        });
        out
    }
}

/// Internal (for personality_similar_products): the products of `ids` the caller may
/// SELECT under the host's row-level security, or NULL when nothing is filtered.
#[pg_extern(stable, parallel_unsafe)]
#[search_path(pg_catalog, pg_temp)]
fn _personality_visible_products(ids: Vec<Option<Uuid>>) -> Option<Vec<Uuid>> {
    let ids: Vec<Uuid> = ids.into_iter().flatten().collect();
    Spi::connect(|client| {
        let r = restricted(client)?;
        let seen = r.visible(client, &ids);
        Some(
            ids.into_iter()
                .filter(|id| seen.contains(id.as_bytes()))
                .collect(),
        )
    })
}
