# Everything a fresh machine needs is installed from here: Python 3.11, pip and gcc are enough.
SHELL := /bin/bash
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
PACKAGES := shared services/identity services/billing services/onboarding services/notifications gateway \
            deploy/mailcatcher deploy/devstack tests/stripe-fake
MODULES := shared identity billing onboarding notifications gateway mailcatcher devstack stripefake
TESTED := shared services/identity services/billing services/onboarding services/notifications gateway \
          deploy/mailcatcher deploy/devstack tests/stripe-fake
STAMP := $(VENV)/.installed
OIDC_STAMP := tests/oidc-provider/node_modules/.installed

.PHONY: install run test lint typecheck test-packages test-e2e bench compose-check clean

$(STAMP): requirements.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps $(addprefix -e ,$(PACKAGES))
	@touch $@

# The local OpenID Connect provider (npm `oidc-provider`) the OAuth tests sign in against.
$(OIDC_STAMP): tests/oidc-provider/package.json tests/oidc-provider/package-lock.json
	npm ci --prefix tests/oidc-provider --no-audit --no-fund --loglevel=error
	@touch $@

install: $(STAMP) $(OIDC_STAMP)

## run: the whole stack in the foreground (databases created, migrations run); Ctrl-C stops it all
run: install
	$(BIN)/python -m devstack run

## test: lint, types, every package's tests, then the end-to-end suite
test: lint typecheck test-packages test-e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy $(addprefix -p ,$(MODULES))

test-packages: install
	@set -e; for pkg in $(TESTED); do \
	  echo "== $$pkg"; (cd $$pkg && $(BIN)/pytest -q -p no:cacheprovider); \
	done

test-e2e: install
	$(BIN)/pytest -q -p no:cacheprovider tests/e2e

compose-check:
	docker compose config -q

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
