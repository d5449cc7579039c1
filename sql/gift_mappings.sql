-- Default gift mappings for the five traits, and how operator edits to them survive
-- pg_dump / pg_restore (README "Backups and restores").
--
-- The default rows have fixed ids (00000000-0000-4000-a000-00000000000N). pg_dump
-- dumps every row of personality_gift_mappings; on restore, CREATE EXTENSION has
-- already inserted the defaults, so the BEFORE INSERT trigger below turns a restored
-- row with a default's id into an update of that default (the operator's edit wins)
-- instead of a duplicate-key failure. Deleting a default records its id in
-- personality_seed_deletions (also dumped), and restoring that row deletes the
-- default again.

CREATE TABLE personality_seed_deletions (
    table_name text NOT NULL,
    row_id text NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, row_id)
);
ALTER TABLE personality_seed_deletions ENABLE ROW LEVEL SECURITY;
SELECT pg_catalog.pg_extension_config_dump('personality_seed_deletions', '');
COMMENT ON TABLE personality_seed_deletions IS
  'Default rows an operator deleted (from personality_gift_mappings and the other seeded tables), so that a pg_restore does not bring them back.';

CREATE FUNCTION _personality_is_seed_mapping(p_id uuid) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT p_id::text LIKE '00000000-0000-4000-a000-0000000000__' $$;
COMMENT ON FUNCTION _personality_is_seed_mapping(uuid) IS
  'Internal: true for the ids of the default gift mappings shipped with the extension.';

CREATE FUNCTION _personality_gift_mappings_restore() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- writers of mappings (service_role) need not write the bookkeeping table
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID <> '@extschema@.personality_gift_mappings'::regclass THEN
        RAISE EXCEPTION 'personality_ext: % fires only on personality_gift_mappings', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NEW.id IS NULL OR NOT @extschema@._personality_is_seed_mapping(NEW.id) THEN
        RETURN NEW;
    END IF;
    DELETE FROM @extschema@.personality_seed_deletions
     WHERE table_name = 'personality_gift_mappings' AND row_id = NEW.id::text;
    UPDATE @extschema@.personality_gift_mappings m SET
        personality_type = NEW.personality_type,
        recommended_categories = NEW.recommended_categories,
        avoided_categories = NEW.avoided_categories,
        product_tags = NEW.product_tags,
        recommendation_weight = NEW.recommendation_weight,
        confidence_score = NEW.confidence_score,
        evidence_strength = NEW.evidence_strength,
        occasion_relevance = NEW.occasion_relevance,
        price_range_modifier = NEW.price_range_modifier,
        demographic_filters = NEW.demographic_filters,
        algorithm_version = NEW.algorithm_version,
        created_at = NEW.created_at,
        updated_at = NEW.updated_at
     WHERE m.id = NEW.id;
    IF FOUND THEN
        RETURN NULL;  -- the default row now carries the restored values
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION _personality_gift_mappings_restore() IS
  'Internal trigger function: an insert of a default mapping''s id (as pg_restore does) updates the default row instead of failing on the duplicate key.';

CREATE TRIGGER personality_gift_mappings_restore
    BEFORE INSERT ON personality_gift_mappings
    FOR EACH ROW EXECUTE FUNCTION _personality_gift_mappings_restore();
COMMENT ON TRIGGER personality_gift_mappings_restore ON personality_gift_mappings IS
  'Makes pg_restore of edited default mappings an update of the defaults created by CREATE EXTENSION.';

CREATE FUNCTION _personality_gift_mappings_forget() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- writers of mappings (service_role) need not write the bookkeeping table
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID <> '@extschema@.personality_gift_mappings'::regclass THEN
        RAISE EXCEPTION 'personality_ext: % fires only on personality_gift_mappings', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF @extschema@._personality_is_seed_mapping(OLD.id) THEN
        INSERT INTO @extschema@.personality_seed_deletions (table_name, row_id)
        VALUES ('personality_gift_mappings', OLD.id::text)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN OLD;
END;
$$;
COMMENT ON FUNCTION _personality_gift_mappings_forget() IS
  'Internal trigger function: remembers that a default mapping was deleted, so a restore does not bring it back.';

CREATE TRIGGER personality_gift_mappings_forget
    AFTER DELETE ON personality_gift_mappings
    FOR EACH ROW EXECUTE FUNCTION _personality_gift_mappings_forget();
COMMENT ON TRIGGER personality_gift_mappings_forget ON personality_gift_mappings IS
  'Records deletions of default mappings in personality_seed_deletions.';

CREATE FUNCTION _personality_seed_deletions_apply() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID <> '@extschema@.personality_seed_deletions'::regclass THEN
        RAISE EXCEPTION 'personality_ext: % fires only on personality_seed_deletions', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NEW.table_name = 'personality_gift_mappings' THEN
        DELETE FROM @extschema@.personality_gift_mappings WHERE id::text = NEW.row_id;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION _personality_seed_deletions_apply() IS
  'Internal trigger function: a restored deletion record deletes the default row that CREATE EXTENSION re-created.';

CREATE TRIGGER personality_seed_deletions_apply
    AFTER INSERT ON personality_seed_deletions
    FOR EACH ROW EXECUTE FUNCTION _personality_seed_deletions_apply();
COMMENT ON TRIGGER personality_seed_deletions_apply ON personality_seed_deletions IS
  'Applies restored deletion records to the default rows.';

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
