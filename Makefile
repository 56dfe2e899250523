# evalroom: `make help` lists the targets.
SHELL := /bin/bash
GO    ?= go
BIN   := bin
DEMO_HTTP ?= 127.0.0.1:8080
DEMO_MQTT ?= 127.0.0.1:1883
DEMO_CONTROL ?= 127.0.0.1:8090

.PHONY: deps help build firmware-check demo test test-go test-go-pg test-e2e test-hw lint bench fuzz clean weed

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

build: ## build evalroom-hub, evalroom-edge and evalroom-sim into bin/
	$(GO) build -o $(BIN)/ ./hub/cmd/evalroom-hub ./edge/cmd/evalroom-edge ./simulators/cmd/evalroom-sim

firmware-check: ## compile the signing pad's firmware core with TinyGo (skipped when tinygo is not installed)
	@if command -v tinygo >/dev/null; then tinygo build -target=wasip1 -o $(BIN)/pad-null.wasm ./firmware/cmd/pad-null && echo "firmware-check: TinyGo compiles firmware/"; else echo "firmware-check: tinygo not installed, skipped"; fi

demo: build ## run the hub (embedded broker and database under ./var) and 3 simulated rooms; Ctrl-C stops all
	@scripts/demo.sh $(DEMO_HTTP) $(DEMO_MQTT) $(DEMO_CONTROL)

test: deps build lint test-go test-e2e ## all tests: vet, staticcheck, go test -race, browser end-to-end

deps: ## install the Debian packages the tests need, once (as root, or through sudo)
	@scripts/deps.sh

weed: ## build SeaweedFS's weed once (cached in $GOPATH/evalroom-weed): the real S3 server the object-store tests run against
	@scripts/weed.sh >/dev/null

test-go: weed ## Go tests with the race detector, on SQLite, then again on PostgreSQL (test-go-pg)
	$(GO) test -race -count=1 -timeout 20m ./...
	EVALROOM_KEY_ALG=sm2 EVALROOM_OUTAGE=10s EVALROOM_KILLS=5 $(GO) test -race -count=1 -timeout 5m -run 'TestHubOutage|TestEvidenceAcrossNetworkCut|TestLiveStartsAndStops|TestKillLoop' ./systest/
	$(MAKE) test-go-pg

test-go-pg: ## the Go tests on a throw-away PostgreSQL cluster (Debian's postgresql, started and removed by with-postgres)
	$(GO) run ./hub/sqldb/cmd/with-postgres -- $(GO) test -race -count=1 -timeout 20m ./...

test-e2e: build e2e/node_modules ## browser end-to-end test (Debian chromium, playwright-core)
	cd e2e && node --test --test-reporter=spec

test-hw: ## real-kernel test: Debian's kernel under qemu with vivid and snd-aloop, the real agent and doctor against them (under a minute)
	EVALROOM_HW=1 $(GO) test -count=1 -timeout 15m -v -run 'TestRealKernel' ./hwtest/

e2e/node_modules: e2e/package.json e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund
	@touch $@

lint: ## gofmt, go vet and staticcheck
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt: run gofmt -w on the files above"; exit 1; }
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.6.1 ./...

bench: build ## measure against raw baselines in the same run and print ratios
	$(GO) run ./bench/cmd/evalroom-bench

fuzz: ## run each fuzz target for a while (FUZZTIME=30s)
	@for p in $$(grep -rl --include=*_test.go "^func Fuzz" . | xargs -n1 dirname | sort -u); do for t in $$($(GO) test -list "Fuzz.*" $$p | grep ^Fuzz); do $(GO) test -run=^$$ -fuzz=^$$t$$ -fuzztime=$${FUZZTIME:-30s} $$p || exit 1; done; done

clean: ## remove binaries and demo data
	rm -rf $(BIN) var
