-- Every person's opinions as the last refresh left them (opinions.rs encoding).
SELECT p.user_id, p.opinions FROM @extschema@.personality_model_people p
