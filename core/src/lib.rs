//! Pure maths of personality_ext. Nothing here knows about Postgres, so plain
//! `cargo test -p personality_core`, property tests and fuzzers reach all of it.

pub mod collab;
pub mod learning;
pub mod learning_state;
pub mod numeric;
pub mod quiz;
pub mod recommend;
pub mod scoring;
pub mod traits;
