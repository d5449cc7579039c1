-- The swipe rows of one attached swipe table (@table@, qualified and quoted), with
-- the direction and time expressions of _personality_model_inputs (@dir@, @ts@) and
-- the row's place (its ctid). The direction comes as its bytes, whatever the server
-- encoding (the words are ASCII; anything else is an unknown direction). @since@ is
-- empty (every row) or keeps the rows from the last high-water mark $1 on, and the bad
-- ones (no time, -infinity) to report.
SELECT s.user_id, s.product_id, (@dir@)::pg_catalog.bytea, @ts@, s.ctid
  FROM @table@ s
 WHERE s.user_id IS NOT NULL AND s.product_id IS NOT NULL@since@
