-- Deletes the neighbour lists of the products $1 (they have none now).
DELETE FROM @extschema@.personality_item_neighbours n
 WHERE n.product_id OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.uuid[])
