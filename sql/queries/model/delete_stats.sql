-- Deletes the stats of the products $1 (nobody has an opinion of them now).
DELETE FROM @extschema@.personality_item_stats s
 WHERE s.product_id OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.uuid[])
