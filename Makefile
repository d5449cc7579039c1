# The commands of README: `make demo`, `make test` and `make package`. Each installs what it needs.
# PG_MAJOR=17 make demo: the demo on another major; PG_MAJORS=17 make test / package: one major.
.PHONY: demo test package bench
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
package:
	bash scripts/package.sh
bench:
	bash bench/run.sh
