-- The model's state row, made on the first refresh.
INSERT INTO @extschema@.personality_model_state (id) VALUES (true) ON CONFLICT (id) DO NOTHING
