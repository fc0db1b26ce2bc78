# Two commands do everything on a fresh machine:
#   make run    install into .venv, build the model and audio, serve on 127.0.0.1:8000
#   make test   install the dev tools too, then lint, check generated files and run every test

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: run test install install-dev model audio lambda package lint check browser bench clean help

help:
	@echo "make run    install, build the model and offline audio, serve the skill and kiosk"
	@echo "make test   install dev tools, lint, check generated files, run the whole suite"
	@echo "make bench  print the speed, size and accuracy figures (bench/)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps make installs re-run only when a requirements file changes.
$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev node_modules/.installed

model: $(VENV)/.runtime
	$(PY) -m skill build-model

# Offline engines only, so `make run` works with no internet: Debian's flite where installed,
# else espeak-ng from pip; see README for gTTS and the one apt-get line for flite.
audio: $(VENV)/.runtime
	$(PY) -m skill export-audio --engine offline

run: model audio
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

browser:
	@test -x $(CHROMIUM) || { echo "The kiosk tests drive Debian's Chromium at $(CHROMIUM)," \
	  "which is not installed. Install it with: sudo apt-get install -y chromium"; exit 1; }

test: install-dev browser lint check
	$(PY) -m pytest

bench: install-dev browser
	$(PY) bench/matcher_accuracy.py
	$(PY) bench/audio_export.py
	$(PY) bench/audio_loudness.py
	$(PY) bench/intelligibility.py
	$(PY) bench/alexa_endpoint.py
	$(PY) bench/lambda_cold_start.py
	$(PY) bench/kiosk_page.py

clean:
	rm -rf $(VENV) node_modules build dist .serverless .pytest_cache .ruff_cache
