# tinhso — developer entry points (GNU make). The build itself is CMake's.
#
#   make build    install missing Debian packages, configure and build into build/
#   make run      build, create the demo database var/tinhso.db when absent, serve on
#                 http://127.0.0.1:8080 until Ctrl-C.   Variables: PORT=8080 HOST=127.0.0.1
#                 DB=sqlite:var/tinhso.db (any --db URL; the demo data is loaded when DB
#                 is a SQLite file that does not exist yet, or always with DEMO=1), with a
#                 year of DOSSIERS=50000 dossiers and REPORTS=30000 feedback reports
#                 (generated once per database)
#   make test     the whole test suite (scripts/test.sh)
#   make web      bundle the web front end into web/dist (CMake builds it into build/ anyway)
#   make bench    the benchmarks (bench/run.sh)
#   make fuzz     the libFuzzer harnesses, SECONDS=60 each (scripts/fuzz.sh)
#   make clean    remove build directories
#   make format   clang-format -i on src/ tests/unit/ tools/   (make format-check: only check)
#   make lint     cppcheck on src/

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build
MAKEFLAGS += --no-print-directory

NPROC     := $(shell nproc 2>/dev/null || echo 2)
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
BIN       := $(BUILD_DIR)/tinhso
PORT      ?= 8080
HOST      ?= 127.0.0.1
DB        ?= sqlite:var/tinhso.db
DEMO      ?=
DOSSIERS  ?= 50000
REPORTS   ?= 30000

FORMAT_FILES = $(shell find src tests/unit tools -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)

.PHONY: build run test bench fuzz clean format format-check lint deps deps-test help web

help:
	@sed -n '1,13s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

deps:
	@bash scripts/deps.sh

deps-test:
	@bash scripts/deps.sh --test

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
	cmake --build $(BUILD_DIR) -j$(NPROC)

# The demo data is (re)loaded when DB names a SQLite file — `tinhso demo` is
# idempotent, so an existing database just gains what newer versions add — or
# when DEMO=1 is given (e.g. for a PostgreSQL URL).
run: build
	mkdir -p var
	@db='$(DB)'; path=; \
	case "$$db" in \
	  postgres://*|postgresql://*) ;; \
	  sqlite:*) path=$${db#sqlite:} ;; \
	  *) path=$$db ;; \
	esac; \
	if [ -n '$(DEMO)' ] || [ -n "$$path" ]; then \
	  echo "$(BIN) demo --db $$db --dossiers $(DOSSIERS) --reports $(REPORTS)"; \
	  $(BIN) demo --db "$$db" --dossiers $(DOSSIERS) --reports $(REPORTS); \
	fi
	exec $(BIN) serve --db '$(DB)' --listen $(HOST):$(PORT)

test:
	bash scripts/test.sh

web:
	@test -d web/node_modules || (cd web && npm ci --no-audit --no-fund)
	node web/build.mjs

bench:
	@if [ -f bench/run.sh ]; then \
	  bash bench/run.sh; \
	else \
	  echo "bench/run.sh does not exist yet: no benchmarks to run" >&2; exit 1; \
	fi

SECONDS_EACH = $(if $(SECONDS),$(SECONDS),60)
fuzz:
	@bash scripts/deps.sh --fuzz
	bash scripts/fuzz.sh $(SECONDS_EACH)

clean:
	rm -rf build build-asan build-fuzz build-release-gcc build-release-clang

format:
	@bash scripts/deps.sh --lint
	clang-format -i $(FORMAT_FILES)

format-check:
	@bash scripts/deps.sh --lint
	clang-format --dry-run -Werror $(FORMAT_FILES)

lint:
	@bash scripts/deps.sh --lint
	cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem -D_GNU_SOURCE -DTINHSO_VERSION='"0"' \
	  -I src -j$(NPROC) src
