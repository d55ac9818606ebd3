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
WEB_DEPS_STAMP := web/node_modules/.installed
WEB_STAMP := web/.built
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json
BROWSER_STAMP := tests/browser/node_modules/.installed

.PHONY: install run test lint typecheck test-packages test-e2e test-cluster test-hostile test-deploy bench compose-check clean

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

# The web app (web/, npm): dependencies, then the build the gateway serves at / (WEB_DIST_DIR).
$(WEB_DEPS_STAMP): web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@

$(WEB_STAMP): $(WEB_DEPS_STAMP) $(WEB_SOURCES)
	npm run --prefix web build
	@touch $@

# The browser suite's driver (playwright-core; the browser is Debian's chromium, never downloaded).
$(BROWSER_STAMP): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	@touch $@

install: $(STAMP) $(OIDC_STAMP) $(BROWSER_STAMP)
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

.PHONY: web test-web
## web: the web app built into web/dist (npm ci + vite build, redone only when its sources change)
web: $(WEB_STAMP)

## run: the whole stack in the foreground (databases created, migrations run); Ctrl-C stops it all
run: install web
	$(BIN)/python -m devstack run

## test: lint, types, every package's tests, the manifests, then the suites that run the whole stack
test: lint typecheck test-packages test-deploy test-cluster test-e2e test-hostile test-faults test-web

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

## test-cluster: two replicas of each service on one database and broker; the observability configs
test-cluster: install
	$(BIN)/pytest -q -p no:cacheprovider tests/cluster

.PHONY: test-faults
## test-faults: kill -9 services, stop the broker and the database mid-load, dead letters, on a PostgreSQL and a
## RabbitMQ of the suite's own (tests/faults); FAULTS_LONG=1 runs the long versions
test-faults: install
	$(BIN)/pytest -q -p no:cacheprovider tests/faults

## test-hostile: forged tokens, tenant isolation, abusive input, schema fuzzing, secrets in logs (own stack)
test-hostile: install
	$(BIN)/pytest -q -p no:cacheprovider tests/hostile

## test-web: the web app's component tests (vitest), then its pages in headless Chromium against the real stack
test-web: install web
	npm test --prefix web --silent
	$(BIN)/pytest -q -p no:cacheprovider tests/browser

## bench: the stack under load (bench/*.py), written to docs/benchmarks.md; a few minutes, not part of `test`
bench: install
	$(BIN)/python bench/run_all.py

## test-deploy: render the Kubernetes overlays (kubectl's built-in kustomize), validate them against the
## Kubernetes schemas offline, and check the manifest and Dockerfile policies (deploy/k8s/README.md)
test-deploy: install
	$(BIN)/mypy deploy/k8s/tests
	$(BIN)/pytest -q -p no:cacheprovider deploy/k8s/tests

compose-check:
	docker compose config -q

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
