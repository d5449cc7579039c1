//! Text in any server encoding (issue 20, point 7). pgrx reads a `text` datum as
//! `&str`/`String` only when its bytes are UTF-8: in a LATIN1 database, any non-ASCII
//! letter (a product name, a category, a quiz answer) made it panic (XX000). [`Text`]
//! and [`TextArray`] convert from the server encoding to UTF-8 when reading and back
//! when writing (`pg_server_to_any` / `pg_any_to_server`: a character the server
//! encoding cannot hold is Postgres's own 22P05, never XX000). Every text datum the
//! extension's Rust code reads or writes goes through them: SPI columns
//! (`row.get::<Text>`), SPI arguments, and `#[pg_extern]` arguments (the SQL type is
//! `text` / `text[]`, as before).
use pgrx::callconv::{Arg, ArgAbi};
use pgrx::nullable::Nullable;
use pgrx::pg_sys;
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::{FromDatum, IntoDatum};

/// A `text` (or `varchar`, `bpchar`) value, as UTF-8.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Text(pub String);

/// A `text[]` value, as UTF-8 strings (None for NULL elements).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextArray(pub Vec<Option<String>>);

fn server_is_utf8() -> bool {
    // SAFETY: a plain read of the database encoding.
    unsafe { pg_sys::GetDatabaseEncoding() == pg_sys::pg_enc::PG_UTF8 as i32 }
}

/// Bytes in the server encoding as a UTF-8 string.
///
/// # Safety
/// Inside a transaction (the conversion may look up a conversion function).
pub unsafe fn server_to_utf8(bytes: &[u8]) -> String {
    if server_is_utf8() || bytes.is_ascii() {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let len = bytes.len() as i32;
    let out = pg_sys::pg_server_to_any(bytes.as_ptr().cast(), len, pg_sys::pg_enc::PG_UTF8 as i32);
    if out.cast_const() == bytes.as_ptr().cast() {
        // no conversion (SQL_ASCII): the bytes as they are
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let s = std::ffi::CStr::from_ptr(out).to_string_lossy().into_owned();
    pg_sys::pfree(out.cast());
    s
}

/// A UTF-8 string as a `text` datum in the server encoding.
///
/// # Safety
/// Inside a transaction, in the memory context the datum should live in.
unsafe fn utf8_to_text_datum(s: &str) -> pg_sys::Datum {
    let (ptr, len) = (s.as_ptr().cast::<std::ffi::c_char>(), s.len() as i32);
    if server_is_utf8() || s.is_ascii() {
        return pg_sys::Datum::from(pg_sys::cstring_to_text_with_len(ptr, len));
    }
    let out = pg_sys::pg_any_to_server(ptr, len, pg_sys::pg_enc::PG_UTF8 as i32);
    if out.cast_const() == ptr {
        return pg_sys::Datum::from(pg_sys::cstring_to_text_with_len(ptr, len));
    }
    let d = pg_sys::Datum::from(pg_sys::cstring_to_text(out));
    pg_sys::pfree(out.cast());
    d
}

/// The bytes of a (possibly toasted or short-header) text datum.
///
/// # Safety
/// `datum` is a non-null varlena datum.
unsafe fn varlena_bytes<'a>(datum: pg_sys::Datum) -> &'a [u8] {
    let v = pg_sys::pg_detoast_datum_packed(datum.cast_mut_ptr());
    let len = pgrx::varlena::varsize_any_exhdr(v);
    let data = pgrx::varlena::vardata_any(v);
    std::slice::from_raw_parts(data.cast::<u8>(), len)
}

impl FromDatum for Text {
    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        _typoid: pg_sys::Oid,
    ) -> Option<Self> {
        if is_null || datum.is_null() {
            None
        } else {
            Some(Text(server_to_utf8(varlena_bytes(datum))))
        }
    }
}

impl IntoDatum for Text {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        // SAFETY: called by pgrx inside a transaction.
        Some(unsafe { utf8_to_text_datum(&self.0) })
    }
    fn type_oid() -> pg_sys::Oid {
        pg_sys::TEXTOID
    }
}

impl FromDatum for TextArray {
    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        _typoid: pg_sys::Oid,
    ) -> Option<Self> {
        if is_null || datum.is_null() {
            return None;
        }
        let arr = pg_sys::pg_detoast_datum(datum.cast_mut_ptr()).cast::<pg_sys::ArrayType>();
        let mut elems: *mut pg_sys::Datum = std::ptr::null_mut();
        let mut nulls: *mut bool = std::ptr::null_mut();
        let mut n: i32 = 0;
        let elem_type = (*arr).elemtype;
        let mut typlen: i16 = 0;
        let mut byval = false;
        let mut align: std::ffi::c_char = 0;
        pg_sys::get_typlenbyvalalign(elem_type, &mut typlen, &mut byval, &mut align);
        if typlen != -1 {
            // not a varlena element type (the callers pass text[]): no strings
            return Some(TextArray(Vec::new()));
        }
        pg_sys::deconstruct_array(
            arr,
            elem_type,
            i32::from(typlen),
            byval,
            align,
            &mut elems,
            &mut nulls,
            &mut n,
        );
        let mut out = Vec::with_capacity(n.max(0) as usize);
        for i in 0..n.max(0) as usize {
            if i % 1024 == 0 {
                pgrx::check_for_interrupts!();
            }
            if *nulls.add(i) {
                out.push(None);
            } else {
                out.push(Some(server_to_utf8(varlena_bytes(*elems.add(i)))));
            }
        }
        Some(TextArray(out))
    }
}

impl IntoDatum for TextArray {
    fn into_datum(self) -> Option<pg_sys::Datum> {
        // SAFETY: called by pgrx inside a transaction; the arrays live until
        // construct_md_array copies them.
        unsafe {
            let n = self.0.len();
            let mut datums: Vec<pg_sys::Datum> = Vec::with_capacity(n);
            let mut nulls: Vec<bool> = Vec::with_capacity(n);
            for s in &self.0 {
                match s {
                    Some(s) => {
                        datums.push(utf8_to_text_datum(s));
                        nulls.push(false);
                    }
                    None => {
                        datums.push(pg_sys::Datum::from(0));
                        nulls.push(true);
                    }
                }
            }
            let mut dims = [n as i32];
            let mut lbs = [1i32];
            let a = pg_sys::construct_md_array(
                datums.as_mut_ptr(),
                nulls.as_mut_ptr(),
                1,
                dims.as_mut_ptr(),
                lbs.as_mut_ptr(),
                pg_sys::TEXTOID,
                -1,
                false,
                pg_sys::TYPALIGN_INT as std::ffi::c_char,
            );
            Some(pg_sys::Datum::from(a))
        }
    }
    fn type_oid() -> pg_sys::Oid {
        pg_sys::TEXTARRAYOID
    }
}

macro_rules! text_arg {
    ($ty:ty, $sql:literal) => {
        // SAFETY: unboxed with its FromDatum, like pgrx's own String.
        unsafe impl<'fcx> ArgAbi<'fcx> for $ty {
            unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
                let index = arg.index();
                unsafe {
                    arg.unbox_arg_using_from_datum()
                        .unwrap_or_else(|| panic!("argument {index} must not be null"))
                }
            }
            unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> Nullable<Self> {
                unsafe { arg.unbox_arg_using_from_datum().into() }
            }
        }
        // SAFETY: the SQL type is the one the datum has.
        unsafe impl SqlTranslatable for $ty {
            const TYPE_IDENT: &'static str = concat!(module_path!(), "::", stringify!($ty));
            const TYPE_ORIGIN: TypeOrigin = TypeOrigin::External;
            const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> =
                Ok(SqlMappingRef::literal($sql));
            const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
                Ok(ReturnsRef::One(SqlMappingRef::literal($sql)));
        }
    };
}
text_arg!(Text, "TEXT");
text_arg!(TextArray, "TEXT[]");

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Reading text columns of SPI rows in any server encoding.
pub trait RowText {
    /// Column `i` (1-based) of a `text`-like column as UTF-8.
    fn text(&self, i: usize) -> Result<Option<String>, pgrx::spi::Error>;
    /// Column `i` (1-based) of a `text[]` column as UTF-8 strings.
    fn texts(&self, i: usize) -> Result<Option<Vec<Option<String>>>, pgrx::spi::Error>;
}

impl RowText for pgrx::spi::SpiHeapTupleData<'_> {
    fn text(&self, i: usize) -> Result<Option<String>, pgrx::spi::Error> {
        Ok(self.get::<Text>(i)?.map(|t| t.0))
    }
    fn texts(&self, i: usize) -> Result<Option<Vec<Option<String>>>, pgrx::spi::Error> {
        Ok(self.get::<TextArray>(i)?.map(|t| t.0))
    }
}

impl RowText for pgrx::spi::SpiTupleTable<'_> {
    fn text(&self, i: usize) -> Result<Option<String>, pgrx::spi::Error> {
        Ok(self.get::<Text>(i)?.map(|t| t.0))
    }
    fn texts(&self, i: usize) -> Result<Option<Vec<Option<String>>>, pgrx::spi::Error> {
        Ok(self.get::<TextArray>(i)?.map(|t| t.0))
    }
}
