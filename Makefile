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
	env -u REDIS_URL RISKCASE_ALLOW_DEV_SECRET=1 DATABASE_URL=sqlite:///var/demo.sqlite3 $(BIN)/python manage.py demo

# Lint (ruff: pyflakes, pycodestyle, isort, bugbear, Django rules) and unused code (vulture) first, then the suite.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/vulture
	$(BIN)/pytest

# Ingest + recompute at platform scale, then the restrictions and merchant endpoints under wrk and gunicorn
# (a missed latency target is reported, marked OVER TARGET, without stopping the next benchmark). The project's
# bytecode is compiled first, as a deployment ships it: with PYTHONDONTWRITEBYTECODE every timed command (and
# its floor) would compile its modules again, about 0.1 s of each start-up.
bench: $(STAMP)
	command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
	$(BIN)/python -m compileall -q -x '/(\.venv|var)/' .
	$(BIN)/python -m bench $(BENCH_ARGS)
	-$(BIN)/python -m bench.restrictions
	-$(BIN)/python -m bench.merchant_api

# The whole system on one machine (README, "Running it for real"): gunicorn, a Celery worker and Celery beat under
# honcho (Procfile), against PostgreSQL and Redis; migrations and collectstatic first.
serve: export DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/riskcase)
serve: export REDIS_URL := $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
# Every process under `make serve` refuses the public development SECRET_KEY (riskcase/settings.py).
serve: export RISKCASE_SERVE := 1
serve: $(STAMP)
	$(BIN)/python manage.py check $(if $(filter 1 true yes on,$(RISKCASE_PRODUCTION)),--deploy --fail-level WARNING)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho --procfile Procfile start

clean:
	rm -rf $(VENV) var
