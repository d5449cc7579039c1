-- Default rows shipped with the extension (personality_gift_mappings,
-- personality_quiz_questions), and how operator edits to them survive pg_dump /
-- pg_restore (README "Backups and restores"). One mechanism for every seeded table:
--
-- * The default rows have fixed ids (_personality_is_seed_mapping,
--   _personality_is_seed_question, next to their tables). pg_dump dumps every row of
--   those tables; on restore, CREATE EXTENSION has already inserted the defaults, so
--   the BEFORE INSERT trigger _personality_seed_restore turns a restored row with a
--   default's id into an update of that default (the operator's edit wins) instead of
--   a duplicate-key failure.
-- * Deleting a default records its id in personality_seed_deletions (also dumped;
--   _personality_seed_forget), and restoring that record deletes the default again
--   (_personality_seed_deletions_apply).
--
-- The restore and forget trigger functions are SECURITY DEFINER: the roles that may
-- write mappings or questions (service_role, an app's admin role) have no privileges
-- on personality_seed_deletions, and without it deleting a default, or re-inserting a
-- deleted one, would fail with "permission denied for table
-- personality_seed_deletions". A trigger function cannot be called directly, only a
-- role that already holds INSERT or DELETE on the seeded table fires them, and each
-- checks the table it fires on. Adding a seeded table means a branch in each of the
-- three functions and the two triggers on the table.

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

CREATE FUNCTION _personality_seed_restore() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- writers of defaults (service_role) need not write the bookkeeping table
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID = '@extschema@.personality_gift_mappings'::regclass THEN
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
    ELSIF TG_RELID = '@extschema@.personality_quiz_questions'::regclass THEN
        IF NEW.question_id IS NULL OR NOT @extschema@._personality_is_seed_question(NEW.question_id) THEN
            RETURN NEW;
        END IF;
        DELETE FROM @extschema@.personality_seed_deletions
         WHERE table_name = 'personality_quiz_questions' AND row_id = NEW.question_id;
        UPDATE @extschema@.personality_quiz_questions q SET
            prompt = NEW.prompt,
            options = NEW.options,
            sort_order = NEW.sort_order,
            is_active = NEW.is_active
         WHERE q.question_id = NEW.question_id;
    ELSE
        RAISE EXCEPTION 'personality_ext: % fires only on personality_gift_mappings and personality_quiz_questions', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF FOUND THEN
        RETURN NULL;  -- the default row now carries the restored values
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION _personality_seed_restore() IS
  'Internal trigger function: an insert of a default row''s id into personality_gift_mappings or personality_quiz_questions (as pg_restore does) updates the default row instead of failing on the duplicate key.';

CREATE FUNCTION _personality_seed_forget() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- writers of defaults (service_role) need not write the bookkeeping table
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID = '@extschema@.personality_gift_mappings'::regclass THEN
        IF @extschema@._personality_is_seed_mapping(OLD.id) THEN
            INSERT INTO @extschema@.personality_seed_deletions (table_name, row_id)
            VALUES ('personality_gift_mappings', OLD.id::text)
            ON CONFLICT DO NOTHING;
        END IF;
    ELSIF TG_RELID = '@extschema@.personality_quiz_questions'::regclass THEN
        IF @extschema@._personality_is_seed_question(OLD.question_id) THEN
            INSERT INTO @extschema@.personality_seed_deletions (table_name, row_id)
            VALUES ('personality_quiz_questions', OLD.question_id)
            ON CONFLICT DO NOTHING;
        END IF;
    ELSE
        RAISE EXCEPTION 'personality_ext: % fires only on personality_gift_mappings and personality_quiz_questions', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN OLD;
END;
$$;
COMMENT ON FUNCTION _personality_seed_forget() IS
  'Internal trigger function: remembers that a default gift mapping or quiz question was deleted, so a restore does not bring it back.';

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
    ELSIF NEW.table_name = 'personality_quiz_questions'
          AND @extschema@._personality_is_seed_question(NEW.row_id) THEN
        DELETE FROM @extschema@.personality_quiz_questions WHERE question_id = NEW.row_id;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION _personality_seed_deletions_apply() IS
  'Internal trigger function: a restored deletion record deletes the default gift mapping or quiz question that CREATE EXTENSION re-created.';

CREATE TRIGGER personality_seed_deletions_apply
    AFTER INSERT ON personality_seed_deletions
    FOR EACH ROW EXECUTE FUNCTION _personality_seed_deletions_apply();
COMMENT ON TRIGGER personality_seed_deletions_apply ON personality_seed_deletions IS
  'Applies restored deletion records to the default rows.';
