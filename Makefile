# The README's two commands: `make demo` (the main job, embedded) and `make test` (everything).
SHELL := /bin/bash
.DEFAULT_GOAL := help
STORY ?= examples/en/the-lighthouse-keeper.md
OUT ?= out/lighthouse

help:
	@echo "make demo   - produce a narrated, subtitled video from the sample story (embedded, offline)"
	@echo "              (STORY=examples/zh/lighthouse-zh.md OUT=out/zh for the Chinese sample)"
	@echo "make test   - install what is needed, start services, run lint, types, layering and all tests"
	@echo "              (the studio's too: vue-tsc, Vitest, Playwright in Chromium, npm audit)"

bootstrap:
	@bash scripts/bootstrap.sh

demo: bootstrap
	uv run nexus produce $(STORY) -o $(OUT)

lint:
	uv run ruff check src tests bench
	uv run ruff format --check src tests bench
	uv run lint-imports
	uv run pyright src

test: bootstrap
	@bash scripts/services.sh
	$(MAKE) lint
	bash scripts/pytest.sh
	bash scripts/web-test.sh

.PHONY: help bootstrap demo lint test
