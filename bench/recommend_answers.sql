-- The quiz answers of bench_members (bench/recommend_users.sql; rerun by
-- bench/quality.sh with another :quiz_noise): per active question, the option whose
-- trait weights dot the member's true vector highest after adding uniform noise in
-- [0, :quiz_noise) per option; quiz_agreement = the share of answers equal to the
-- noiseless best.
WITH picks AS (
    SELECT m.n, q.question_id,
           (SELECT o->>'value' FROM jsonb_array_elements(q.options) WITH ORDINALITY AS x(o, i)
             ORDER BY bench_option_fit(o->'traits', m.truth)
                      + :quiz_noise * bench_h(m.n * 1000 + q.sort_order, 500 + i::int) DESC, i
             LIMIT 1) AS noisy,
           (SELECT o->>'value' FROM jsonb_array_elements(q.options) WITH ORDINALITY AS x(o, i)
             ORDER BY bench_option_fit(o->'traits', m.truth) DESC, i LIMIT 1) AS clean
      FROM bench_members m CROSS JOIN personality_quiz_questions q
     WHERE q.is_active
)
UPDATE bench_members m
   SET answers = a.answers, quiz_agreement = a.agreement
  FROM (SELECT n, jsonb_object_agg(question_id, noisy) AS answers,
               avg((noisy = clean)::int)::float8 AS agreement
          FROM picks GROUP BY n) a
 WHERE a.n = m.n;
