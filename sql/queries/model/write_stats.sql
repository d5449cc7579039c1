-- Stores the statistics of the products $1 as of $2: people who like ($3), dislike
-- ($4) or are neutral ($5), the decayed likes ($6), and the likers on the high side of
-- each trait ($7 .. $11).
INSERT INTO @extschema@.personality_item_stats AS s
    (product_id, likes, dislikes, neutral, decayed_likes, at, side_likes)
SELECT x.p, x.l, x.d, x.n, x.dl, $2, ARRAY[x.a, x.i, x.r, x.c, x.s]::pg_catalog.float4[]
  FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[]), pg_catalog.unnest($3::pg_catalog.float8[]), pg_catalog.unnest($4::pg_catalog.float8[]), pg_catalog.unnest($5::pg_catalog.float8[]), pg_catalog.unnest($6::pg_catalog.float8[]), pg_catalog.unnest($7::pg_catalog.float4[]), pg_catalog.unnest($8::pg_catalog.float4[]), pg_catalog.unnest($9::pg_catalog.float4[]), pg_catalog.unnest($10::pg_catalog.float4[]), pg_catalog.unnest($11::pg_catalog.float4[])) AS x(p, l, d, n, dl, a, i, r, c, s)
    ON CONFLICT (product_id) DO UPDATE SET
       likes = EXCLUDED.likes,
       dislikes = EXCLUDED.dislikes,
       neutral = EXCLUDED.neutral,
       decayed_likes = EXCLUDED.decayed_likes,
       at = EXCLUDED.at,
       side_likes = EXCLUDED.side_likes
