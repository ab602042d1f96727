# coursebot developer targets. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec

GO        ?= go
BIN       := bin/coursebot
DB        ?= coursebot.db
BENCHTIME ?= 2000x
FUZZTIME  ?= 10s

.PHONY: help build run test lint bench fuzz-short clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-11s %s\n", $$1, $$2}'

build: ## build bin/coursebot
	$(GO) build -o $(BIN) ./cmd/coursebot

run: build ## chat with the built-in course in this terminal (no config needed)
	./$(BIN) console --db $(DB)

test: ## run every test with the race detector
	$(GO) test -race -count=1 ./...

lint: ## gofmt must list nothing, then go vet
	@files="$$(gofmt -l .)"; \
	if [ -n "$$files" ]; then echo "gofmt needed on:"; echo "$$files"; exit 1; fi
	$(GO) vet ./...

bench: ## run the benchmarks one package at a time (BENCHTIME, default 2000x) and print the summary table
	$(GO) test -p 1 -run '^$$' -bench . -benchtime=$(BENCHTIME) ./... | $(GO) run ./cmd/benchtable

fuzz-short: ## run every Fuzz target for FUZZTIME (default 10s) each
	@$(GO) list -f '{{.ImportPath}} {{.Dir}}' ./... | while read -r pkg dir; do \
	  grep -qs '^func Fuzz' "$$dir"/*_test.go || continue; \
	  fzs="$$($(GO) test -list '^Fuzz' "$$pkg" | { grep '^Fuzz' || true; })"; \
	  for fz in $$fzs; do \
	    echo "== $$pkg $$fz"; \
	    $(GO) test -run '^$$' -fuzz "^$$fz\$$" -fuzztime $(FUZZTIME) "$$pkg"; \
	  done; \
	done

clean: ## remove build output and the test cache
	rm -rf bin
	$(GO) clean -testcache
