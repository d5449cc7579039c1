//! Pure logic of personality_ext, free of pgrx: plain `cargo test -p personality_core`,
//! property tests and fuzzers reach all of it, without a database.
//!
//! "Free of pgrx" is not "knows nothing about Postgres": a few modules reproduce
//! Postgres's own formats and rules so that results match the seed's PL/pgSQL bit for
//! bit. [`numeric_binary`] decodes and encodes the on-disk `numeric` varlena (the bytes
//! jsonb stores a number as), `scoring`'s numeric-text parser accepts exactly what
//! `numeric_in` accepts, and [`error`] names Postgres SQLSTATEs. They work on bytes and
//! strings handed over by the pgrx layer (`src/`), never on a live server.

pub mod collab;
pub mod error;
pub mod learning;
pub mod learning_state;
pub mod numeric_binary;
pub mod quiz;
pub mod ranker;
pub mod recommend;
pub mod round;
pub mod scoring;
pub mod topk;
pub mod traits;
