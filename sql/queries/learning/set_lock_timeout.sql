-- Sets lock_timeout to $1 until the end of the transaction.
SELECT pg_catalog.set_config('lock_timeout', $1, true)
