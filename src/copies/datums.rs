//! Reading copied rows straight from their datums: the column types of a result are
//! checked once ([`Columns::check`]), then every value is taken in place, without
//! pgrx's per-value type check (a catalog lookup each), which was most of a cold read's
//! time. Used by read.rs.
use super::*;
use crate::spi::or_raise;

/// Reads the current row of a result whose column types were checked once
/// ([`Columns::check`]): each value straight from its datum, without pgrx's per-value
/// type check (a catalog lookup each), which was most of a cold read's time.
#[derive(Clone, Copy)]
pub(super) struct Columns {
    /// every column has the type the query casts it to
    pub(super) checked: bool,
}

impl Columns {
    /// Whether the columns of `r` are of `types` (in order).
    pub(super) fn check(r: &pgrx::spi::SpiTupleTable<'_>, types: &[pg_sys::BuiltinOid]) -> Columns {
        let checked = r.columns().ok() == Some(types.len())
            && types
                .iter()
                .enumerate()
                .all(|(i, t)| r.column_type_oid(i + 1).ok().map(|o| o.value()) == Some(t.value()));
        Columns { checked }
    }

    pub(super) fn f64(self, r: &pgrx::spi::SpiTupleTable<'_>, n: usize) -> Option<f64> {
        if !self.checked {
            return or_raise(r.get::<f64>(n));
        }
        let d = or_raise(r.get_datum_by_ordinal(n))?;
        // SAFETY: a non-null float8 datum (checked above).
        unsafe { <f64 as pgrx::FromDatum>::from_datum(d, false) }
    }

    pub(super) fn f32(self, r: &pgrx::spi::SpiTupleTable<'_>, n: usize) -> Option<f32> {
        if !self.checked {
            return or_raise(r.get::<f32>(n));
        }
        let d = or_raise(r.get_datum_by_ordinal(n))?;
        // SAFETY: a non-null float4 datum (checked above).
        unsafe { <f32 as pgrx::FromDatum>::from_datum(d, false) }
    }

    pub(super) fn bool(self, r: &pgrx::spi::SpiTupleTable<'_>, n: usize) -> Option<bool> {
        if !self.checked {
            return or_raise(r.get::<bool>(n));
        }
        let d = or_raise(r.get_datum_by_ordinal(n))?;
        // SAFETY: a non-null boolean datum (checked above).
        unsafe { <bool as pgrx::FromDatum>::from_datum(d, false) }
    }

    pub(super) fn uuid(self, r: &pgrx::spi::SpiTupleTable<'_>, n: usize) -> Option<Uuid> {
        if !self.checked {
            return or_raise(r.get::<Uuid>(n));
        }
        let d = or_raise(r.get_datum_by_ordinal(n))?;
        // SAFETY: a non-null uuid datum (checked above).
        unsafe { <Uuid as pgrx::FromDatum>::from_datum(d, false) }
    }
}

/// The column types of copies/product_rows.sql.
pub(super) const PRODUCT_ROW_TYPES: [pg_sys::BuiltinOid; 16] = {
    use pg_sys::BuiltinOid::*;
    [
        UUIDOID,
        TEXTOID,
        FLOAT8OID,
        BOOLOID,
        FLOAT8OID,
        FLOAT4OID,
        FLOAT4OID,
        FLOAT4OID,
        FLOAT4OID,
        FLOAT4OID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT4ARRAYOID,
    ]
};

/// The column types of copies/stats_rows.sql.
pub(super) const STATS_ROW_TYPES: [pg_sys::BuiltinOid; 7] = {
    use pg_sys::BuiltinOid::*;
    [
        UUIDOID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT8OID,
        FLOAT4ARRAYOID,
    ]
};

/// A row's stats and side likes from columns `first`.. (likes, dislikes, neutral,
/// decayed likes, at, side likes) of the current row of `r`.
pub(super) fn stats_at(
    r: &pgrx::spi::SpiTupleTable<'_>,
    cols: Columns,
    first: usize,
) -> (Option<Stats>, [f64; 5]) {
    let f = |n: usize| cols.f64(r, n);
    let stats = f(first).map(|likes| Stats {
        likes,
        dislikes: f(first + 1).unwrap_or(0.0),
        neutral: f(first + 2).unwrap_or(0.0),
        decayed_likes: f(first + 3).unwrap_or(0.0),
        at: f(first + 4),
    });
    let mut side_likes = [0.0; 5];
    for (t, x) in float4_array(r, first + 5).into_iter().take(5).enumerate() {
        side_likes[t] = x as f64;
    }
    (stats, side_likes)
}

/// A real[] column of a row: read in place when it has the plain shape the refresh
/// writes, else through pgrx (NULL elements as 0).
pub(super) fn float4_array(r: &pgrx::spi::SpiTupleTable<'_>, n: usize) -> Vec<f32> {
    use pgrx::pg_sys::BuiltinOid::FLOAT4OID;
    let Some(datum) = or_raise(r.get_datum_by_ordinal(n)) else {
        return Vec::new();
    };
    // SAFETY: a non-null datum of this row's column n, a real[] (`plain` checks the
    // element type).
    if let Some(v) = unsafe { plain::<f32>(datum, FLOAT4OID.value()) } {
        return v;
    }
    or_raise(r.get::<Vec<Option<f32>>>(n))
        .unwrap_or_default()
        .into_iter()
        .map(|x| x.unwrap_or(0.0))
        .collect()
}

/// The elements of a one-dimensional array datum without NULLs whose element type is
/// `elem` (a fixed-length type laid out as `T`), copied; None for any other shape.
///
/// # Safety
/// `datum` must be a non-null array datum.
pub(crate) unsafe fn plain<T: Copy>(datum: pg_sys::Datum, elem: pg_sys::Oid) -> Option<Vec<T>> {
    let stored = datum.cast_mut_ptr::<pg_sys::varlena>();
    let ptr = pg_sys::pg_detoast_datum(stored);
    let mut arr = pgrx::array::RawArray::from_ptr(std::ptr::NonNull::new(ptr)?.cast());
    let out = (arr.oid() == elem && arr.dims().len() <= 1 && !arr.any_nulls())
        .then(|| arr.data::<T>().as_ref().to_vec());
    if ptr != stored {
        pg_sys::pfree(ptr.cast());
    }
    out
}
