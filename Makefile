# Glimpse — two commands do all setup: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
SAM_VENV    := .venv-sam
SAM         := $(SAM_VENV)/bin/sam
SAM_VERSION := 1.170.0
CHECKOV_VENV    := .venv-checkov
CHECKOV_VERSION := 3.3.30
CHECKOV_STAMP   := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
PORT        ?= 3000
# `make run`'s cloud: accounts above this many followers are celebrities (pulled into feeds at
# read time, not fanned out), so `make demo`'s nova.lux (29 followers) is one. The template's
# default, for deployments and the test suites' clouds, is 10000.
CELEBRITY_THRESHOLD ?= 20
PYTEST_ARGS ?=
LINT_PATHS  := functions layers infra tests benchmarks

.PHONY: help run demo moderator test lint typecheck unit integration e2e build deploy publish-web destroy bench openapi routes alarms search-indexes clean \
	test-unit-integration test-e2e test-chaos lint-python lint-template lint-generated

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# The venv is (re)built when missing, when it is not Python 3.13, or when a requirements file changed.
# The local moderation model's weights come without their package's dependencies (OpenCV).
$(STAMP): requirements.txt requirements-dev.txt requirements-moderation.txt \
		requirements-moderation-weights.txt infra/demo/requirements.txt \
		$(wildcard functions/*/requirements.txt)
	@interp=$$(infra/find-python.sh) || exit 1; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))'; then \
		echo "Replacing $(VENV): it is not Python 3.13"; rm -rf $(VENV); fi; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$interp"; "$$interp" -m venv $(VENV) || exit 1; fi
	@echo "Installing Glimpse's Python packages into $(VENV) (requirements-dev.txt: moto, boto3,"
	@echo "Powertools, Pillow, PyAV, onnxruntime, the test and lint tools; the moderation model's"
	@echo "weights): about 1-2 minutes the first time, seconds after a requirements change."
	@echo "Nothing else is installed."
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -r requirements-dev.txt
	@$(PY) -m pip install --quiet --no-deps -r requirements-moderation-weights.txt
	@$(PY) -m pip install --quiet --no-deps -r infra/demo/requirements.txt
	@touch $(STAMP)
	@echo "Installed."

run: $(STAMP) ## Start the local cloud on http://127.0.0.1:$(PORT) (and the 6 ports after it)
	@$(PY) -m infra.local --port $(PORT) --parameter CelebrityFollowerThreshold=$(CELEBRITY_THRESHOLD) $(ARGS)

demo: $(STAMP) ## Seed the running local cloud (PORT as for run) with 30 users, 200 posts, stories, messages
	@$(PY) -m infra.demo --port $(PORT)

moderator: $(STAMP) ## Make USER=<username> a moderator on the running local cloud (PORT as for run)
	@if [ "$(origin USER)" != "command line" ]; then echo "Usage: make moderator USER=<username>"; exit 2; fi
	@$(PY) -m infra.local.moderator --port $(PORT) "$(USER)"

# The three test runs go side by side (the e2e suite mostly waits: on schedules, expiries, its
# local clouds' restarts; the unit and integration suites keep the cores busy meanwhile), each
# run's output printed whole when it ends. e2e runs in pytest processes of its own: it starts the
# local cloud (a real moto server) in-process, which must not share a process with the
# integration tests' mock_aws. Its files go out longest first (tests/e2e/conftest.py).
test: $(STAMP) lint ## Lint, type-check, validate the template and run every test
	@$(PY) -m infra.browser  # the browser tests' Chromium (tests/e2e), or what to install
	@echo "Side by side: the unit and integration tests, the e2e suite, and the social suite under"
	@echo "chaos (re-delivered events, cancelled transactions); each one's output when it ends."
	@$(MAKE) --no-print-directory --jobs=3 --output-sync=target test-unit-integration test-e2e test-chaos

test-unit-integration: $(STAMP)
	$(PY) -m pytest -n auto tests/unit tests/integration $(PYTEST_ARGS)

test-e2e: $(STAMP)
	$(PY) -m pytest -n 3 --dist loadfile --no-loadscope-reorder tests/e2e $(PYTEST_ARGS)

test-chaos: $(STAMP)
	GLIMPSE_E2E_CHAOS=0.2 $(PY) -m pytest tests/e2e/test_social.py $(PYTEST_ARGS)

# Three groups of checks, two at a time; each group's output is printed whole when it ends.
lint: $(STAMP) $(SAM) $(CHECKOV_STAMP) ## ruff, mypy, import layers, cfn-lint, sam validate --lint, checkov, OpenAPI/AsyncAPI, web/api.js and route map freshness
	@$(MAKE) --no-print-directory --jobs=2 --output-sync=target lint-template lint-python lint-generated

lint-python: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

lint-template: $(STAMP) $(SAM) $(CHECKOV_STAMP)
	$(VENV)/bin/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 $(SAM) validate --lint --template-file template.yaml --region us-east-1
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml

lint-generated: $(STAMP)
	$(PY) -m infra.openapi --check
	$(PY) -m infra.asyncapi --check
	$(PY) -m infra.webapi --check
	$(PY) -m infra.routes --check
	$(PY) -m infra.alarms --check
	$(PY) -m infra.opensearch --check

openapi: $(STAMP) ## Regenerate the OpenAPI and AsyncAPI documents, web/api.js and docs/routes.md
	$(PY) -m infra.openapi --write
	$(PY) -m infra.asyncapi --write
	$(PY) -m infra.webapi --write
	$(PY) -m infra.routes --write

alarms: $(STAMP) ## Regenerate template.yaml's alarms per function, queue, stream consumer and table
	$(PY) -m infra.alarms --write

routes: $(STAMP) ## Regenerate the route map, docs/routes.md (from template.yaml, the handlers, docs/access-patterns.md)
	$(PY) -m infra.routes --write

search-indexes: $(STAMP) ## Regenerate the layer's copy of infra/opensearch/*.json
	$(PY) -m infra.opensearch --write

unit integration e2e: $(STAMP) ## Run one test suite
	$(PY) -m pytest -n auto --dist loadfile --no-loadscope-reorder tests/$@ $(PYTEST_ARGS)

bench: $(STAMP) ## Run every benchmark in benchmarks/ and print its table (make test runs each in smoke mode)
	$(PY) -m benchmarks $(ARGS)

$(SAM): infra/find-python.sh
	@interp=$$(infra/find-python.sh) || exit 1; "$$interp" -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --upgrade pip aws-sam-cli==$(SAM_VERSION)

# checkov pins its own (older) boto3 too: a third venv, rebuilt when CHECKOV_VERSION changes.
$(CHECKOV_STAMP): infra/find-python.sh
	@interp=$$(infra/find-python.sh) || exit 1; rm -rf $(CHECKOV_VENV); "$$interp" -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip checkov==$(CHECKOV_VERSION)
	@touch $@

build: $(SAM) ## sam build (aws-sam-cli lives in its own venv: it pins its own boto3)
	PATH="$$(dirname $$(infra/find-python.sh)):$$PATH" $(SAM) build

deploy: build ## sam deploy --guided
	$(SAM) deploy --guided

STACK ?= glimpse-dev
publish-web: $(STAMP) ## Upload web/ to a deployed stack's web bucket, with its config.js (STACK=glimpse-dev)
	$(PY) -m infra.publish_web --stack $(STACK)

destroy: $(SAM) ## sam delete: the stack goes; its data stays (see the message)
	@echo "Deleting the stack. Kept on purpose (DeletionPolicy: Retain), with your users' data:"
	@echo "  every DynamoDB table, the Cognito user pool, the media bucket and the web client's bucket; and (ApiGatewayLogsRole=create)"
	@echo "  API Gateway's CloudWatch role, an account setting other APIs in the region may use."
	@echo "Deleted with it: the search domain (its index holds only what the tables hold; a new"
	@echo "  stack's domain is filled again by docs/operations.md, \"Index again\"), the alarms, the"
	@echo "  dashboard and the alarm topic. The media bucket's replica bucket (MediaReplicaBucketArn) is yours."
	@echo "Once you are sure, delete them by hand (names: the stack's outputs, or the console):"
	@echo "  aws dynamodb delete-table --table-name <name>"
	@echo "  aws cognito-idp delete-user-pool --user-pool-id <id>   (prod: turn off deletion protection first)"
	@echo "  the media bucket is versioned: empty it in the console (Empty deletes every version), then"
	@echo "  aws s3 rb s3://<bucket>"
	$(SAM) delete

clean: ## Remove the venvs, build output and caches
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
