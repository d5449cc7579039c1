# The commands of README: `make demo`, `make test` and `make package`. Each installs what it needs.
# `make check` is the development loop (docs/development.md): fmt, clippy, core tests, a debug
# install, pg_regress and integration on PostgreSQL 15.
# PG_MAJOR=17 make demo: the demo on another major; PG_MAJORS=17 make test / package: one major.
.PHONY: demo test check package bench
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
check:
	bash scripts/test.sh --check
package:
	bash scripts/package.sh
bench:
	bash bench/run.sh
