# The two commands a newcomer needs: `make run` and `make test`. Everything else is theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: setup run test lint worker migrate clean bench bench-smoke

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: setup
	$(BIN)/python manage.py migrate --no-input

run: migrate
	$(BIN)/python manage.py seed_demo
	@echo "Mở trình duyệt: http://127.0.0.1:$(PORT)/"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Every bench/bench_*.py at its documented size, then one table of goals and figures (bench/README.md).
bench: setup
	$(BIN)/python bench/run.py

# The same at a tiny size, in three to four minutes: checks that every bench still runs and prints.
bench-smoke: setup
	$(BIN)/python bench/run.py --smoke

worker: setup
	$(BIN)/celery -A config worker --beat --loglevel=info

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
