-- The personality quiz: its question bank and how operator edits to the default
-- questions survive pg_dump / pg_restore (README "The quiz").
--
-- options is a JSON array of {"value": text, "label": text, "traits": {trait: weight}}
-- with weights 0..1; personality_score_quiz() scores a user's answers against the
-- active questions (rules in core/src/quiz.rs).
--
-- The default bank, q01..q24, is built so that no trait is favoured: every question
-- offers five options, one leaning to each trait with weight 1.0; in 20 questions
-- each option also touches one other trait with 0.2, and the touches of a question
-- form a permutation of the traits (each trait is touched exactly once). So every
-- question gives each trait the same total weight (1.0 or 1.2) and the same maximum
-- (1.0). The options of each question are listed in a rotated order so that the
-- option of one trait is not always in the same position. The Rust tests in
-- core/src/quiz.rs read the INSERT below (one question per line) and check all this.
--
-- Dump/restore, as for personality_gift_mappings (gift_mappings.sql): CREATE
-- EXTENSION inserts the defaults, then pg_restore loads the dumped rows of this table;
-- the BEFORE INSERT trigger turns a restored row with a default's question_id into an
-- update of that default. Deleting a default records it in personality_seed_deletions,
-- and restoring that record deletes the default again.
--
-- The restore and forget trigger functions are SECURITY DEFINER: the roles that may
-- write questions (service_role, an app's admin role) have no privileges on
-- personality_seed_deletions, and without it deleting a default question, or
-- re-inserting a deleted one, would fail with "permission denied for table
-- personality_seed_deletions". A trigger function cannot be called directly, and only
-- a role that already holds INSERT or DELETE on personality_quiz_questions fires them.

CREATE TABLE personality_quiz_questions (
    question_id text PRIMARY KEY,
    prompt text NOT NULL,
    options jsonb NOT NULL,
    sort_order int,
    is_active boolean NOT NULL DEFAULT true,
    CONSTRAINT valid_quiz_options CHECK (jsonb_typeof(options) = 'array' AND options <> '[]'::jsonb)
);
SELECT pg_catalog.pg_extension_config_dump('personality_quiz_questions', '');
COMMENT ON TABLE personality_quiz_questions IS
  'The personality quiz question bank: options is a JSON array of {"value", "label", "traits": {trait: weight 0..1}}; inactive questions are not offered and cannot be answered. Seeded with q01..q24; operator edits survive pg_dump/pg_restore.';

CREATE FUNCTION _personality_is_seed_question(p_question_id text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT p_question_id ~ '^q(0[1-9]|1[0-9]|2[0-4])$' $$;
COMMENT ON FUNCTION _personality_is_seed_question(text) IS
  'Internal: true for the ids of the default quiz questions shipped with the extension (q01..q24).';

CREATE FUNCTION _personality_quiz_questions_restore() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID <> '@extschema@.personality_quiz_questions'::regclass THEN
        RAISE EXCEPTION 'personality_ext: % fires only on personality_quiz_questions', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
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
    IF FOUND THEN
        RETURN NULL;  -- the default row now carries the restored values
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION _personality_quiz_questions_restore() IS
  'Internal trigger function: an insert of a default question''s id (as pg_restore does) updates the default row instead of failing on the duplicate key.';

CREATE TRIGGER personality_quiz_questions_restore
    BEFORE INSERT ON personality_quiz_questions
    FOR EACH ROW EXECUTE FUNCTION _personality_quiz_questions_restore();
COMMENT ON TRIGGER personality_quiz_questions_restore ON personality_quiz_questions IS
  'Makes pg_restore of edited default quiz questions an update of the defaults created by CREATE EXTENSION.';

CREATE FUNCTION _personality_quiz_questions_forget() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID <> '@extschema@.personality_quiz_questions'::regclass THEN
        RAISE EXCEPTION 'personality_ext: % fires only on personality_quiz_questions', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF @extschema@._personality_is_seed_question(OLD.question_id) THEN
        INSERT INTO @extschema@.personality_seed_deletions (table_name, row_id)
        VALUES ('personality_quiz_questions', OLD.question_id)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN OLD;
END;
$$;
COMMENT ON FUNCTION _personality_quiz_questions_forget() IS
  'Internal trigger function: remembers that a default quiz question was deleted, so a restore does not bring it back.';

CREATE TRIGGER personality_quiz_questions_forget
    AFTER DELETE ON personality_quiz_questions
    FOR EACH ROW EXECUTE FUNCTION _personality_quiz_questions_forget();
COMMENT ON TRIGGER personality_quiz_questions_forget ON personality_quiz_questions IS
  'Records deletions of default quiz questions in personality_seed_deletions.';

CREATE FUNCTION _personality_seed_deletions_apply_quiz() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID <> '@extschema@.personality_seed_deletions'::regclass THEN
        RAISE EXCEPTION 'personality_ext: % fires only on personality_seed_deletions', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NEW.table_name = 'personality_quiz_questions'
       AND @extschema@._personality_is_seed_question(NEW.row_id) THEN
        DELETE FROM @extschema@.personality_quiz_questions WHERE question_id = NEW.row_id;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION _personality_seed_deletions_apply_quiz() IS
  'Internal trigger function: a restored deletion record of a default quiz question deletes the question that CREATE EXTENSION re-created.';

CREATE TRIGGER personality_seed_deletions_apply_quiz
    AFTER INSERT ON personality_seed_deletions
    FOR EACH ROW EXECUTE FUNCTION _personality_seed_deletions_apply_quiz();
COMMENT ON TRIGGER personality_seed_deletions_apply_quiz ON personality_seed_deletions IS
  'Applies restored deletion records to the default quiz questions.';

-- The default bank: one question per line (the Rust tests parse these lines).
INSERT INTO personality_quiz_questions (question_id, prompt, options, sort_order)
VALUES
('q01', 'Your ideal weekend?', '[{"value": "new_trail", "label": "Hiking a trail you have never tried, guidebook in hand", "traits": {"adventurous": 1.0, "intellectual": 0.2}}, {"value": "online_course", "label": "Learning a useful new skill from an online course", "traits": {"intellectual": 1.0, "practical": 0.2}}, {"value": "build_shelf", "label": "Building a shelf you designed yourself", "traits": {"practical": 1.0, "creative": 0.2}}, {"value": "make_and_share", "label": "Painting or making music, then sharing it with friends", "traits": {"creative": 1.0, "social": 0.2}}, {"value": "group_day_out", "label": "A spontaneous day out with a big group of friends", "traits": {"social": 1.0, "adventurous": 0.2}}]', 1),
('q02', 'Pick a gift you''d love to receive', '[{"value": "rafting_voucher", "label": "A white-water rafting or skydiving voucher", "traits": {"adventurous": 1.0}}, {"value": "party_tickets", "label": "Tickets to a party night for you and your friends", "traits": {"social": 1.0}}, {"value": "art_supplies", "label": "A premium sketchbook and art supplies", "traits": {"creative": 1.0}}, {"value": "tool_kit", "label": "A high-quality tool kit that will last for years", "traits": {"practical": 1.0}}, {"value": "book_box_set", "label": "A box set of books by a favourite thinker", "traits": {"intellectual": 1.0}}]', 2),
('q03', 'How do you like to spend a free evening?', '[{"value": "cook_for_household", "label": "Cooking a good meal for the whole household", "traits": {"practical": 1.0, "social": 0.2}}, {"value": "new_craft", "label": "Improvising in a craft you have never tried", "traits": {"creative": 1.0, "adventurous": 0.2}}, {"value": "trivia_night", "label": "A trivia night at the pub with friends", "traits": {"social": 1.0, "intellectual": 0.2}}, {"value": "plan_trip", "label": "Planning the route and gear for your next trip", "traits": {"adventurous": 1.0, "practical": 0.2}}, {"value": "read_and_sketch", "label": "Reading, then sketching out ideas of your own", "traits": {"intellectual": 1.0, "creative": 0.2}}]', 3),
('q04', 'What makes a gift memorable to you?', '[{"value": "sturdy_gear", "label": "It is sturdy gear I will actually use outdoors", "traits": {"practical": 1.0, "adventurous": 0.2}}, {"value": "conversation", "label": "It teaches me something I can discuss with others", "traits": {"intellectual": 1.0, "social": 0.2}}, {"value": "unexpected", "label": "It takes me somewhere unexpected and inspiring", "traits": {"adventurous": 1.0, "creative": 0.2}}, {"value": "shared_daily", "label": "It is something we can enjoy together every day", "traits": {"social": 1.0, "practical": 0.2}}, {"value": "clever_design", "label": "It is a clever, thoughtfully designed object", "traits": {"creative": 1.0, "intellectual": 0.2}}]', 4),
('q05', 'Your dream vacation?', '[{"value": "festival", "label": "A festival full of music, dancing and people", "traits": {"social": 1.0, "creative": 0.2}}, {"value": "backpacking_group", "label": "Backpacking with a group of new friends", "traits": {"adventurous": 1.0, "social": 0.2}}, {"value": "ruins_expedition", "label": "An expedition to ancient ruins with an expert guide", "traits": {"intellectual": 1.0, "adventurous": 0.2}}, {"value": "planned_trip", "label": "A well-organised trip with every detail researched", "traits": {"practical": 1.0, "intellectual": 0.2}}, {"value": "pottery_retreat", "label": "A hands-on pottery retreat", "traits": {"creative": 1.0, "practical": 0.2}}]', 5),
('q06', 'A friend''s birthday is coming. What do you plan?', '[{"value": "surprise_party", "label": "A big surprise party somewhere unusual", "traits": {"social": 1.0, "adventurous": 0.2}}, {"value": "playlist_card", "label": "A personalised playlist and a handmade card for the party", "traits": {"creative": 1.0, "social": 0.2}}, {"value": "custom_board", "label": "A handmade, practical gift like a custom cutting board", "traits": {"practical": 1.0, "creative": 0.2}}, {"value": "skill_book", "label": "A book that helps them master a new skill", "traits": {"intellectual": 1.0, "practical": 0.2}}, {"value": "escape_room", "label": "An escape room or a mystery outing", "traits": {"adventurous": 1.0, "intellectual": 0.2}}]', 6),
('q07', 'Which store would you wander into first?', '[{"value": "bookshop", "label": "A bookshop with a big non-fiction section", "traits": {"intellectual": 1.0}}, {"value": "home_goods", "label": "A kitchen and home-goods store", "traits": {"practical": 1.0}}, {"value": "craft_shop", "label": "An art supply or craft shop", "traits": {"creative": 1.0}}, {"value": "party_deli", "label": "A deli stocked with things to share at a party", "traits": {"social": 1.0}}, {"value": "outdoor_shop", "label": "An outdoor and travel gear shop", "traits": {"adventurous": 1.0}}]', 7),
('q08', 'How do you unwind after a stressful week?', '[{"value": "thoughtful_film", "label": "A thought-provoking film that sparks ideas", "traits": {"intellectual": 1.0, "creative": 0.2}}, {"value": "bike_ride", "label": "A long bike ride with your gear ready to go", "traits": {"adventurous": 1.0, "practical": 0.2}}, {"value": "dinner_talk", "label": "Deep conversations over dinner with friends", "traits": {"social": 1.0, "intellectual": 0.2}}, {"value": "bold_recipe", "label": "Trying a bold new recipe or art technique", "traits": {"creative": 1.0, "adventurous": 0.2}}, {"value": "comfort_meal", "label": "Cooking a comforting meal for family", "traits": {"practical": 1.0, "social": 0.2}}]', 8),
('q09', 'What would you choose to learn next?', '[{"value": "music_theory", "label": "Music theory to compose your own songs", "traits": {"creative": 1.0, "intellectual": 0.2}}, {"value": "hosting", "label": "Cooking for a crowd and hosting with ease", "traits": {"social": 1.0, "practical": 0.2}}, {"value": "underwater_photo", "label": "Underwater photography", "traits": {"adventurous": 1.0, "creative": 0.2}}, {"value": "language", "label": "A new language to talk with people abroad", "traits": {"intellectual": 1.0, "social": 0.2}}, {"value": "survival_skills", "label": "Wilderness first aid and survival skills", "traits": {"practical": 1.0, "adventurous": 0.2}}]', 9),
('q10', 'Pick a gift for someone you barely know', '[{"value": "handcrafted_item", "label": "A handcrafted item they will use every day", "traits": {"creative": 1.0, "practical": 0.2}}, {"value": "smart_gadget", "label": "A smart gadget that solves an everyday problem", "traits": {"practical": 1.0, "intellectual": 0.2}}, {"value": "travel_book", "label": "A travel book about a faraway place", "traits": {"intellectual": 1.0, "adventurous": 0.2}}, {"value": "group_adventure", "label": "A group adventure voucher, like a rafting trip", "traits": {"adventurous": 1.0, "social": 0.2}}, {"value": "show_tickets", "label": "Tickets to a colourful live show", "traits": {"social": 1.0, "creative": 0.2}}]', 10),
('q11', 'You get a new gadget. What do you do first?', '[{"value": "test_limits", "label": "Take it outdoors to find out what it can really do", "traits": {"adventurous": 1.0, "intellectual": 0.2}}, {"value": "read_specs", "label": "Read the specs until you can use it perfectly", "traits": {"intellectual": 1.0, "practical": 0.2}}, {"value": "customise", "label": "Set it up and customise it to fit your routine", "traits": {"practical": 1.0, "creative": 0.2}}, {"value": "show_friends", "label": "Find a creative use for it and show your friends", "traits": {"creative": 1.0, "social": 0.2}}, {"value": "try_together", "label": "Try it out with friends on a spontaneous outing", "traits": {"social": 1.0, "adventurous": 0.2}}]', 11),
('q12', 'What describes your living space?', '[{"value": "trip_gear", "label": "Souvenirs and well-used gear from past trips", "traits": {"adventurous": 1.0, "practical": 0.2}}, {"value": "big_table", "label": "A big table made for long conversations", "traits": {"social": 1.0, "intellectual": 0.2}}, {"value": "bold_colours", "label": "Bold colours and finds from far-away markets", "traits": {"creative": 1.0, "adventurous": 0.2}}, {"value": "guest_ready", "label": "Organised and comfortable for guests", "traits": {"practical": 1.0, "social": 0.2}}, {"value": "curious_shelves", "label": "Shelves of books and curious objects", "traits": {"intellectual": 1.0, "creative": 0.2}}]', 12),
('q13', 'How do you choose a restaurant?', '[{"value": "good_value", "label": "Good value, close by and reliable", "traits": {"practical": 1.0}}, {"value": "inventive_menu", "label": "Beautiful plates and an inventive menu", "traits": {"creative": 1.0}}, {"value": "room_for_group", "label": "Wherever the whole group can fit and chat", "traits": {"social": 1.0}}, {"value": "unusual_cuisine", "label": "The most unusual cuisine I have never tried", "traits": {"adventurous": 1.0}}, {"value": "story_behind", "label": "The one with a story and history behind it", "traits": {"intellectual": 1.0}}]', 13),
('q14', 'The perfect present for a rainy day?', '[{"value": "rain_jacket", "label": "A quality rain jacket for the trail", "traits": {"practical": 1.0, "adventurous": 0.2}}, {"value": "strategy_game", "label": "A strategy board game to play with others", "traits": {"intellectual": 1.0, "social": 0.2}}, {"value": "waterproof_camera", "label": "A waterproof camera to go out and shoot anyway", "traits": {"adventurous": 1.0, "creative": 0.2}}, {"value": "fondue_set", "label": "A fondue set for having friends over", "traits": {"social": 1.0, "practical": 0.2}}, {"value": "puzzle_box_kit", "label": "A puzzle-box kit to build and decorate", "traits": {"creative": 1.0, "intellectual": 0.2}}]', 14),
('q15', 'Which compliment would you like most?', '[{"value": "brings_colour", "label": "You bring colour and fun to any gathering", "traits": {"social": 1.0, "creative": 0.2}}, {"value": "gets_everyone_going", "label": "You get everyone to try new things", "traits": {"adventurous": 1.0, "social": 0.2}}, {"value": "knows_every_place", "label": "You know the story of every place you visit", "traits": {"intellectual": 1.0, "adventurous": 0.2}}, {"value": "smartest_solution", "label": "You always find the smartest solution", "traits": {"practical": 1.0, "intellectual": 0.2}}, {"value": "useful_beauty", "label": "You make beautiful things that are actually useful", "traits": {"creative": 1.0, "practical": 0.2}}]', 15),
('q16', 'How do you plan a holiday?', '[{"value": "follow_friends", "label": "Go wherever friends are going, at the last minute", "traits": {"social": 1.0, "adventurous": 0.2}}, {"value": "themed_trip", "label": "Design a themed trip and share the photos", "traits": {"creative": 1.0, "social": 0.2}}, {"value": "pack_smart", "label": "Pack light and smart, with a few personal touches", "traits": {"practical": 1.0, "creative": 0.2}}, {"value": "research_itinerary", "label": "Research everything, then make a practical itinerary", "traits": {"intellectual": 1.0, "practical": 0.2}}, {"value": "unknown_destination", "label": "Pick a place nobody has heard of and read up on it", "traits": {"adventurous": 1.0, "intellectual": 0.2}}]', 16),
('q17', 'Which subscription box appeals to you?', '[{"value": "science_kits", "label": "Science experiments and design challenges", "traits": {"intellectual": 1.0, "creative": 0.2}}, {"value": "meal_kits", "label": "Meal kits to cook for the family", "traits": {"practical": 1.0, "social": 0.2}}, {"value": "world_art", "label": "Surprise art materials from around the world", "traits": {"creative": 1.0, "adventurous": 0.2}}, {"value": "party_games", "label": "Party games and conversation starters", "traits": {"social": 1.0, "intellectual": 0.2}}, {"value": "camping_gear", "label": "Monthly camping and survival gear", "traits": {"adventurous": 1.0, "practical": 0.2}}]', 17),
('q18', 'What kind of experience gift excites you?', '[{"value": "lecture_club", "label": "A lecture series with a discussion club", "traits": {"intellectual": 1.0, "social": 0.2}}, {"value": "paragliding", "label": "Paragliding over a scenic landscape, photos included", "traits": {"adventurous": 1.0, "creative": 0.2}}, {"value": "hosting_class", "label": "A cooking class to host better dinners", "traits": {"social": 1.0, "practical": 0.2}}, {"value": "artist_masterclass", "label": "A masterclass with a renowned artist", "traits": {"creative": 1.0, "intellectual": 0.2}}, {"value": "bushcraft", "label": "A bushcraft course with skills you will use outdoors", "traits": {"practical": 1.0, "adventurous": 0.2}}]', 18),
('q19', 'At a party, you are most likely...', '[{"value": "music_and_decor", "label": "In charge of the music and decorations", "traits": {"creative": 1.0}}, {"value": "introducing_people", "label": "Talking to everyone and introducing people", "traits": {"social": 1.0}}, {"value": "next_stop", "label": "Suggesting everyone go somewhere new afterwards", "traits": {"adventurous": 1.0}}, {"value": "deep_debate", "label": "Deep in a debate about an interesting idea", "traits": {"intellectual": 1.0}}, {"value": "keep_it_running", "label": "Making sure the food and drinks keep flowing", "traits": {"practical": 1.0}}]', 19),
('q20', 'Your favourite way to receive a gift?', '[{"value": "handmade_useful", "label": "Something handmade that I can use every day", "traits": {"creative": 1.0, "practical": 0.2}}, {"value": "exactly_right", "label": "Exactly what I needed, well researched", "traits": {"practical": 1.0, "intellectual": 0.2}}, {"value": "treasure_hunt", "label": "A riddle or treasure hunt that leads to it", "traits": {"intellectual": 1.0, "adventurous": 0.2}}, {"value": "surprise_trip", "label": "A surprise trip with friends", "traits": {"adventurous": 1.0, "social": 0.2}}, {"value": "lively_celebration", "label": "At a lively celebration with lots of colour", "traits": {"social": 1.0, "creative": 0.2}}]', 20),
('q21', 'Which gadget would you pick?', '[{"value": "gps_watch", "label": "A GPS watch with maps and altitude data", "traits": {"adventurous": 1.0, "intellectual": 0.2}}, {"value": "e_reader", "label": "An e-reader loaded with reference books", "traits": {"intellectual": 1.0, "practical": 0.2}}, {"value": "smart_home_hub", "label": "A smart home hub you can customise", "traits": {"practical": 1.0, "creative": 0.2}}, {"value": "instant_camera", "label": "An instant camera to capture moments with friends", "traits": {"creative": 1.0, "social": 0.2}}, {"value": "party_speaker", "label": "A portable speaker for parties anywhere", "traits": {"social": 1.0, "adventurous": 0.2}}]', 21),
('q22', 'What do you do with a surprise day off?', '[{"value": "head_for_hills", "label": "Grab my packed bag and head for the hills", "traits": {"adventurous": 1.0, "practical": 0.2}}, {"value": "long_brunch", "label": "A long brunch and conversation with friends", "traits": {"social": 1.0, "intellectual": 0.2}}, {"value": "wander_new_area", "label": "Wander a new neighbourhood looking for inspiration", "traits": {"creative": 1.0, "adventurous": 0.2}}, {"value": "help_neighbour", "label": "Run errands and help out a neighbour", "traits": {"practical": 1.0, "social": 0.2}}, {"value": "gallery_visit", "label": "Visit a gallery or a science museum", "traits": {"intellectual": 1.0, "creative": 0.2}}]', 22),
('q23', 'You have a gift voucher to spend on yourself. You choose...', '[{"value": "hiking_boots", "label": "Durable hiking boots", "traits": {"practical": 1.0, "adventurous": 0.2}}, {"value": "design_course", "label": "Design software and a course to master it", "traits": {"creative": 1.0, "intellectual": 0.2}}, {"value": "picnic_set", "label": "A picnic set for gatherings", "traits": {"social": 1.0, "practical": 0.2}}, {"value": "photo_workshop", "label": "A travel photography workshop abroad", "traits": {"adventurous": 1.0, "creative": 0.2}}, {"value": "book_club", "label": "A book club membership", "traits": {"intellectual": 1.0, "social": 0.2}}]', 23),
('q24', 'What matters most when you open a gift?', '[{"value": "well_made", "label": "That it is well made and genuinely solves a problem", "traits": {"practical": 1.0, "intellectual": 0.2}}, {"value": "discovery", "label": "Discovering something new about the world", "traits": {"intellectual": 1.0, "adventurous": 0.2}}, {"value": "thrill_together", "label": "The thrill of doing something new, together", "traits": {"adventurous": 1.0, "social": 0.2}}, {"value": "festive_moment", "label": "Sharing the moment in a fun, festive way", "traits": {"social": 1.0, "creative": 0.2}}, {"value": "unique_and_used", "label": "That it is unique and I will put it to use", "traits": {"creative": 1.0, "practical": 0.2}}]', 24);

-- Row-level security: the questions are public reference data.
ALTER TABLE personality_quiz_questions ENABLE ROW LEVEL SECURITY;
CREATE POLICY personality_quiz_questions_select_all ON personality_quiz_questions
    FOR SELECT USING (true);
COMMENT ON POLICY personality_quiz_questions_select_all ON personality_quiz_questions IS
  'Quiz questions are public reference data. There is no write policy: only the owner and roles with BYPASSRLS (service_role) write them.';

-- Supabase's API roles, where they exist. The install must not fail where they don't.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
        GRANT SELECT ON personality_quiz_questions TO anon;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT SELECT ON personality_quiz_questions TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON personality_quiz_questions TO service_role;
    END IF;
END;
$$;
