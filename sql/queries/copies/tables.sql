-- The extension's tables copied per connection (src/copies/): a relcache
-- invalidation of any of them ends the copies, and whether the table is one of the
-- model's (item stats, neighbour lists: their invalidation ends only the copies of them).
SELECT c.oid, c.relname OPERATOR(pg_catalog.=) ANY ('{personality_item_stats,personality_item_neighbours}'::pg_catalog.name[])
  FROM pg_catalog.pg_extension e
  JOIN pg_catalog.pg_class c ON c.relnamespace OPERATOR(pg_catalog.=) e.extnamespace
 WHERE e.extname OPERATOR(pg_catalog.=) 'personality_ext'
   AND c.relname OPERATOR(pg_catalog.=) ANY ('{personality_product_vectors,personality_item_stats,personality_item_neighbours,personality_vector_groups}'::pg_catalog.name[])
