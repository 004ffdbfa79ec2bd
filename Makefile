# One entry point for people and CI. Every target sets up what it needs first; set-up steps
# are idempotent and redo nothing that is current (see testbed/).
SHELL := /bin/bash
.DEFAULT_GOAL := help
export CONTAINERS_CONF := $(CURDIR)/.testbed/containers.conf

.PHONY: help venv setup demo demo-clean test check bench lint sanity units molecule guide build controls-doc role-readmes clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

venv:  ## The virtualenv and the collection link only: enough for lint, sanity, units and build (no root)
	@bash testbed/venv.sh
	@bash testbed/collection-link.sh

setup:  ## Also system packages (first), the container runtime configuration and image (root)
	@bash testbed/packages.sh
	@bash testbed/venv.sh
	@bash testbed/collection-link.sh
	@bash testbed/runtime.sh

demo: setup  ## Harden a throwaway container, probe it from outside, print a summary (KEEP=1 keeps it)
	@bash testbed/demo.sh

demo-clean: setup  ## Remove the containers a KEEP=1 demo left running
	@bash testbed/demo.sh clean

test: setup  ## Everything CI runs: yamllint, ansible-lint, sanity, unit tests, molecule scenarios
	@bash testbed/run-tests.sh

bench: setup  ## Benchmarks: the audit on 1 and 8 hosts, an idempotent re-run, mail through the filters in both modes, a sweep vs nmap (numbers in .testbed/bench/, docs/benchmarks.md written from them)
	@bash testbed/bench.sh

check: venv  ## The inner loop, no containers: yamllint, ansible-lint, sanity and unit tests
	@bash testbed/run-tests.sh yamllint ansible_lint sanity units

lint: venv  ## yamllint and ansible-lint only
	@bash testbed/run-tests.sh yamllint ansible_lint

sanity: venv  ## ansible-test sanity only
	@bash testbed/run-tests.sh sanity

units: venv  ## Unit tests only
	@bash testbed/run-tests.sh units

molecule: setup  ## Molecule scenarios only (Debian 13, and the postfix scenario on Debian 12)
	@bash testbed/run-tests.sh 'molecule_debian12&' 'molecule&' 'molecule_filtering_border&' 'molecule_audit_identity&'

guide: setup  ## The README's "Using the collection" run literally, as an ordinary user, against a test server
	@bash testbed/run-tests.sh guide

build: venv  ## Build the collection tarball into build/
	@.venv/bin/ansible-galaxy collection build --force --output-path build/

controls-doc: venv  ## Regenerate docs/controls.md from the control catalogue
	@PYTHONPATH=.testbed/collections .venv/bin/python testbed/controls-doc.py

role-readmes: venv  ## Regenerate each role's README.md from its argument spec
	@PYTHONPATH=.testbed/collections .venv/bin/python testbed/role-readmes.py

clean:  ## Remove generated files (not the image)
	rm -rf .testbed/sanity .testbed/collections build tests/output
