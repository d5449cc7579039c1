//! Reading jsonb datums in place, without pgrx's `JsonB` (which prints the value with
//! jsonb_out and re-parses it with serde_json on every call). Lookups use Postgres's
//! own binary search over the container; numbers are decoded from their base-10000
//! digits (personality_core::numeric). See BENCHMARKS.md for what this buys.
use personality_core::numeric_binary::{self, Numeric};
use pgrx::pg_sys;

const JB_CMASK: u32 = 0x0FFF_FFFF;
const JB_FSCALAR: u32 = 0x1000_0000;
const JB_FOBJECT: u32 = 0x2000_0000;
const JB_FARRAY: u32 = 0x4000_0000;

/// A detoasted jsonb value (or one of its nested containers), borrowed for the call.
#[derive(Clone, Copy)]
pub struct Container {
    ptr: *mut pg_sys::JsonbContainer,
    /// the root container of a whole document (made by `from_datum`)
    root: bool,
}

/// What a JSON value is, with its scalar payload.
pub enum Value<'a> {
    Null,
    Bool(bool),
    /// The number and its display scale (digits after the point as written).
    Number(Numeric, u32),
    String(&'a str),
    Array,
    Object,
}

impl Value<'_> {
    /// The JSON type name used in error messages ("a JSON boolean").
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(..) => "number",
            Value::String(_) => "string",
            Value::Array => "array",
            Value::Object => "object",
        }
    }
}

impl Container {
    /// # Safety
    /// `datum` must be a non-null jsonb datum; the result lives as long as the
    /// current memory context (detoasting may palloc a copy there).
    pub unsafe fn from_datum(datum: pg_sys::Datum) -> Container {
        let jb = pg_sys::pg_detoast_datum(datum.cast_mut_ptr()) as *mut pg_sys::Jsonb;
        Container {
            ptr: std::ptr::addr_of_mut!((*jb).root),
            root: true,
        }
    }

    /// The bytes of a whole detoasted jsonb document (not of a nested container), when
    /// at most 512: equal bytes are equal documents.
    pub fn raw_bytes(&self) -> Option<&[u8]> {
        if !self.root {
            return None;
        }
        let root = std::mem::offset_of!(pg_sys::Jsonb, root);
        // SAFETY: made by from_datum: the container is the root of a detoasted Jsonb,
        // whose 4-byte varlena header precedes it.
        unsafe {
            let jb = (self.ptr as *const u8).sub(root) as *const pg_sys::varlena;
            let size = pgrx::varsize_any(jb);
            (size <= 512).then(|| std::slice::from_raw_parts(jb as *const u8, size))
        }
    }

    fn header(&self) -> u32 {
        // SAFETY: a valid container starts with its 32-bit header.
        unsafe { (*self.ptr).header }
    }

    pub fn is_object(&self) -> bool {
        self.header() & JB_FOBJECT != 0
    }

    pub fn is_array(&self) -> bool {
        self.header() & JB_FARRAY != 0 && self.header() & JB_FSCALAR == 0
    }

    /// Number of elements (array) or pairs (object).
    pub fn len(&self) -> u32 {
        self.header() & JB_CMASK
    }

    /// The type of the whole document, for "must be a JSON object, got ..." errors.
    pub fn type_name(&self) -> &'static str {
        if self.is_object() {
            "object"
        } else if self.is_array() {
            "array"
        } else {
            self.element(0).map(|v| v.type_name()).unwrap_or("scalar")
        }
    }

    /// Value of `key` in an object (binary search, no allocation).
    pub fn get<'a>(&'a self, key: &str) -> Option<Value<'a>> {
        if !self.is_object() {
            return None;
        }
        let mut out = std::mem::MaybeUninit::<pg_sys::JsonbValue>::uninit();
        // SAFETY: the container is valid; the key need not be NUL-terminated.
        let found = unsafe {
            pg_sys::getKeyJsonValueFromContainer(
                self.ptr,
                key.as_ptr() as *const std::ffi::c_char,
                key.len() as i32,
                out.as_mut_ptr(),
            )
        };
        if found.is_null() {
            return None;
        }
        // SAFETY: filled in by Postgres when found.
        Some(unsafe { convert(&*found) })
    }

    /// The i-th element of an array (or the scalar of a raw-scalar document).
    pub fn element<'a>(&'a self, i: u32) -> Option<Value<'a>> {
        if self.header() & JB_FARRAY == 0 || i >= self.len() {
            return None;
        }
        // SAFETY: index checked above; Postgres pallocs the result.
        let v = unsafe { pg_sys::getIthJsonbValueFromContainer(self.ptr, i) };
        if v.is_null() {
            return None;
        }
        Some(unsafe { convert(&*v) })
    }
}

/// # Safety
/// `v` must be a JsonbValue produced by Postgres from a live container.
unsafe fn convert<'a>(v: &pg_sys::JsonbValue) -> Value<'a> {
    match v.type_ {
        pg_sys::jbvType::jbvNull => Value::Null,
        pg_sys::jbvType::jbvBool => Value::Bool(v.val.boolean),
        pg_sys::jbvType::jbvNumeric => {
            let (n, dscale) = decode_numeric(v.val.numeric);
            Value::Number(n, dscale)
        }
        pg_sys::jbvType::jbvString => {
            let s = v.val.string;
            let bytes = std::slice::from_raw_parts(s.val as *const u8, s.len.max(0) as usize);
            // jsonb text is valid UTF-8 in a UTF-8 database; anything else is not a number.
            Value::String(std::str::from_utf8(bytes).unwrap_or("\u{fffd}"))
        }
        pg_sys::jbvType::jbvBinary => {
            let c = Container {
                ptr: v.val.binary.data,
                root: false,
            };
            if c.is_object() {
                Value::Object
            } else {
                Value::Array
            }
        }
        pg_sys::jbvType::jbvArray => Value::Array,
        _ => Value::Object,
    }
}

/// # Safety
/// `n` must point to a valid numeric varlena.
unsafe fn decode_numeric(n: pg_sys::Numeric) -> (Numeric, u32) {
    let v = n as *const pg_sys::varlena;
    let size = pgrx::varsize_any(v);
    let header = size - pgrx::varsize_any_exhdr(v);
    let bytes = std::slice::from_raw_parts((v as *const u8).add(header), size - header);
    (
        numeric_binary::decode(bytes).unwrap_or(Numeric::NaN),
        numeric_binary::display_scale(bytes).unwrap_or(0),
    )
}

/// A numeric datum for `units / 10000`, built directly in the short on-disk format.
pub fn numeric_scale4(units: u32) -> pg_sys::Datum {
    let mut payload = [0u8; 8];
    let n = numeric_binary::encode_scale4(units, &mut payload);
    // SAFETY: palloc'd in the current (per-call) memory context, header set before use.
    unsafe {
        let total = pg_sys::VARHDRSZ + n;
        let p = pg_sys::palloc(total) as *mut u8;
        pgrx::set_varsize_4b(p as *mut pg_sys::varlena, total as i32);
        std::ptr::copy_nonoverlapping(payload.as_ptr(), p.add(pg_sys::VARHDRSZ), n);
        pg_sys::Datum::from(p)
    }
}
