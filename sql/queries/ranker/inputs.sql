-- The swipe tables the refresh reads, with their direction and time expressions.
SELECT i.tab, i.dir, i.ts FROM @extschema@._personality_model_inputs() i WHERE i.readable
