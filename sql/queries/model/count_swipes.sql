-- The swipe rows of one attached swipe table (@table@) below the last high-water mark
-- $1 by its time expression @ts@ (@below@), or all of them (@below@ empty: a table
-- without a time column): the last refresh counted as many, or the stored opinions do
-- not hold.
SELECT pg_catalog.count(*)
  FROM @table@ s
 WHERE s.user_id IS NOT NULL AND s.product_id IS NOT NULL@below@
