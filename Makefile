# RiskCase: `make demo` and `make test` are all the set-up a fresh clone needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test bench serve install clean

# The virtualenv is rebuilt whenever the dependencies or the lock change.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The demo runs on its own SQLite file with Celery in-process, whatever the shell has set.
demo: $(STAMP)
	rm -f var/demo.sqlite3
	env -u REDIS_URL DATABASE_URL=sqlite:///var/demo.sqlite3 $(BIN)/python manage.py demo

test: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
