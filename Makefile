# Two commands: `make run` (fresh machine -> Kehu serving demo data) and `make test`.
.PHONY: run test setup setup-dev bench messages lint format drill

run: setup
	scripts/run.sh

test: setup-dev
	scripts/test.sh

setup:
	scripts/setup.sh

setup-dev:
	scripts/setup.sh dev

bench: setup-dev
	scripts/bench.sh

messages: setup-dev
	scripts/makemessages.sh

lint: setup-dev
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && KEHU_DEBUG=1 .venv/bin/mypy

format: setup-dev
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

# Fault drill (kill -9, terminated connections, disk full, backup -> restore -> compare); a few minutes.
drill: setup-dev
	scripts/drill.sh
.PHONY: fuzz
fuzz: setup-dev
	scripts/fuzz.sh
