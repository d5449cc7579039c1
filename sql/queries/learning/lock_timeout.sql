-- The session's lock_timeout.
SELECT pg_catalog.current_setting('lock_timeout')
