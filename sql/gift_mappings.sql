-- Default gift mappings for the five traits. Their ids are fixed
-- (00000000-0000-4000-a000-00000000000N) so that operator edits and deletions
-- survive pg_dump / pg_restore through the mechanism in seed_defaults.sql (README
-- "Backups and restores").

CREATE FUNCTION _personality_is_seed_mapping(p_id uuid) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT p_id::text LIKE '00000000-0000-4000-a000-0000000000__' $$;
COMMENT ON FUNCTION _personality_is_seed_mapping(uuid) IS
  'Internal: true for the ids of the default gift mappings shipped with the extension.';

CREATE TRIGGER personality_gift_mappings_restore
    BEFORE INSERT ON personality_gift_mappings
    FOR EACH ROW EXECUTE FUNCTION _personality_seed_restore();
COMMENT ON TRIGGER personality_gift_mappings_restore ON personality_gift_mappings IS
  'Makes pg_restore of edited default mappings an update of the defaults created by CREATE EXTENSION.';

CREATE TRIGGER personality_gift_mappings_forget
    AFTER DELETE ON personality_gift_mappings
    FOR EACH ROW EXECUTE FUNCTION _personality_seed_forget();
COMMENT ON TRIGGER personality_gift_mappings_forget ON personality_gift_mappings IS
  'Records deletions of default mappings in personality_seed_deletions.';

-- The defaults. Category slugs: electronics, fashion, home-garden, books-media,
-- health-beauty, sports-outdoors, food-drink, toys-games, art-crafts, experiences.
-- product_tags are the tags that signal the trait on a product; price_range_modifier
-- multiplies a product's score by price band (budget < 25, mid 25..100, premium > 100).
INSERT INTO personality_gift_mappings
    (id, personality_type, recommended_categories, avoided_categories, product_tags,
     recommendation_weight, confidence_score, evidence_strength,
     occasion_relevance, price_range_modifier, demographic_filters)
VALUES
('00000000-0000-4000-a000-000000000001', 'adventurous',
 '{sports-outdoors,experiences,electronics}', '{home-garden}',
 '["outdoor","travel","adventure","camping","hiking","extreme","gadget","active"]',
 0.90, 0.85, 'high',
 '{"birthday": 0.9, "christmas": 0.7, "graduation": 0.9, "anniversary": 0.6, "retirement": 0.8, "just_because": 0.8}',
 '{"budget": 0.9, "mid": 1.0, "premium": 1.1}', '{}'),
('00000000-0000-4000-a000-000000000002', 'intellectual',
 '{books-media,electronics,experiences}', '{fashion,toys-games}',
 '["books","learning","puzzle","science","history","strategy","documentary","course"]',
 0.85, 0.80, 'high',
 '{"birthday": 0.8, "christmas": 0.8, "graduation": 1.0, "anniversary": 0.6, "retirement": 0.9, "just_because": 0.7}',
 '{"budget": 1.0, "mid": 1.0, "premium": 0.95}', '{}'),
('00000000-0000-4000-a000-000000000003', 'practical',
 '{home-garden,electronics,health-beauty}', '{art-crafts}',
 '["practical","useful","tools","kitchen","organization","durable","everyday","smart-home"]',
 0.80, 0.80, 'medium',
 '{"birthday": 0.7, "christmas": 0.9, "housewarming": 1.0, "wedding": 0.9, "retirement": 0.8, "just_because": 0.6}',
 '{"budget": 1.1, "mid": 1.0, "premium": 0.9}', '{}'),
('00000000-0000-4000-a000-000000000004', 'creative',
 '{art-crafts,books-media,fashion}', '{electronics}',
 '["art","craft","diy","music","design","handmade","photography","writing"]',
 0.85, 0.75, 'medium',
 '{"birthday": 0.9, "christmas": 0.8, "anniversary": 0.8, "graduation": 0.7, "just_because": 0.9}',
 '{"budget": 1.0, "mid": 1.05, "premium": 0.95}', '{}'),
('00000000-0000-4000-a000-000000000005', 'social',
 '{food-drink,experiences,toys-games}', '{books-media}',
 '["party","games","sharing","dining","wine","group","entertaining","friends"]',
 0.80, 0.75, 'medium',
 '{"birthday": 1.0, "christmas": 0.9, "anniversary": 0.9, "wedding": 0.8, "just_because": 0.7}',
 '{"budget": 1.0, "mid": 1.05, "premium": 1.0}', '{}');
