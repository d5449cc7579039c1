-- personality_ext 0.3.0 -> 0.4.0 (ALTER EXTENSION personality_ext UPDATE).
-- Frozen once released: later changes go into the next upgrade script.
--
-- 0.4.0 closes the second security round (SECURITY.md, CHANGELOG): stored expressions
-- bind only to pg_catalog and the extension's objects, host row-level security on
-- products is honoured, aggregates count people, no row stops the model, the refresh
-- cannot be stalled by others, erasure is complete. Each section below is the change
-- of one area, in the order of a fresh installation's files.
\echo Use "ALTER EXTENSION personality_ext UPDATE TO '0.4.0'" to load this file. \quit
