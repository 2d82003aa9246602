# Peerline: build, run and test. GNU make; tested on Debian 12.
# `make run` and `make test` install what is missing first (scripts/install-deps.sh).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DELETE_ON_ERROR:
.DEFAULT_GOAL := build
MAKEFLAGS += --no-builtin-rules

GO ?= go
# The Wails CLI is called by path: $(go env GOPATH)/bin is often not on PATH.
WAILS = $(shell $(GO) env GOPATH | cut -d: -f1)/bin/wails

# Build against WebKitGTK 4.1 (libwebkit2gtk-4.1-dev); without the tag Wails links 4.0.
ifeq ($(shell uname -s),Linux)
TAGS ?= webkit2_41
endif
TAGFLAG = $(if $(TAGS),-tags $(TAGS))
comma := ,
# The window's own code (cgo on WebKitGTK in app/webview) builds only with
# Wails' desktop tag; vet it with those tags too.
DESKTOP_TAGFLAG = -tags desktop,production$(if $(TAGS),$(comma)$(TAGS))

# Fuzz targets run by `make test`, as package:FuzzFunc pairs.
FUZZ_TARGETS ?= ./signaling:FuzzDecode ./signaling:FuzzScanEnvelope ./signaling:FuzzCodec \
	./signaling:FuzzParseServerURL ./signaling:FuzzDecodeSubscribe ./signaling:FuzzPresenceOf \
	./signaling/identity:FuzzParse ./app/bridge:FuzzRequest ./app/bridge:FuzzProcNetLine \
	./app/store:FuzzValidateInput ./app/discovery:FuzzParseTXT ./app/discovery:FuzzHubHost \
	./signaling/turnserver:FuzzAuth ./app/invite:FuzzParse ./app/autostart:FuzzExecArg ./app/notify:FuzzText \
	./app/notify:FuzzToastArgs ./app/notify:FuzzToastXML \
	./signaling/cluster:FuzzWire ./app/files:FuzzSanitize
# A count, not a duration: with -fuzztime=10s, Go 1.26's fuzz coordinator
# can fail a target with a bare "context deadline exceeded" at the deadline
# (golang/go#75804, fixed in Go 1.27); a count has no deadline to race.
# 100000 inputs take 2-12 s per target here. Minimizing a new input is
# bounded by a count too.
FUZZTIME ?= 100000x
FUZZMINIMIZETIME ?= 2000x

NPM_CI := npm ci --no-audit --no-fund --no-progress
# wailsjs/runtime is left out: wails build rewrites it after building the
# frontend, which would make every later `make frontend` rebuild.
FRONTEND_SRC := $(shell find frontend/src frontend/wailsjs/go -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/svelte.config.js \
	frontend/tsconfig.json
# npm rewrites this file on every install: it marks node_modules as current.
NODE_MODULES := frontend/node_modules/.package-lock.json
E2E_BROWSER_MODULES := e2e/browser/node_modules/.package-lock.json

.PHONY: deps deps-test sysdeps frontend build run check test fuzz bench bench-signal bench-signal-attack bench-turn bench-cluster bench-call cluster screenshots screenshot-tray clean distclean
.PHONY: deps-package build-windows package package-linux package-windows check-package test-package

# Release packaging (docs/packaging.md): outputs go to build/dist/.
# VERSION is `git describe` without the v (1.2.3 on tag v1.2.3); it goes into
# the binaries (--version, the UI) and the package names. Set it to override.
ifeq ($(origin VERSION),undefined)
VERSION := $(shell scripts/package.sh version)
endif
DIST := build/dist
# Pinned Go tools, installed next to the Wails CLI by `install-deps.sh package`.
NFPM = $(dir $(WAILS))nfpm
GO_WINRES = $(dir $(WAILS))go-winres
# What `wails build` passes in production mode, plus the version. Release
# binaries are built with go build directly: the same tags and flags, without
# wails' bindings and frontend steps, which rewrite tracked files.
RELEASE_LDFLAGS = -w -s -X github.com/peerline/peerline/app.version=$(VERSION)
RELEASE_GOFLAGS = -trimpath -buildvcs=false
# Linked only into windows/amd64 builds (the suffix), removed after each one.
WIN_SYSO := peerline_release_windows_amd64.syso

# Which package set sysdeps installs; test targets ask for the larger one.
DEPS_KIND = build
test deps-test: DEPS_KIND = test
deps-package build-windows package package-linux package-windows check-package test-package: DEPS_KIND = package
# File times inside the .deb and the tarball: the last commit's.
package-linux package-windows: export SOURCE_DATE_EPOCH = $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
package-linux package-windows: export NFPM := $(NFPM)
build-windows: export GO_WINRES := $(GO_WINRES)

## deps: system packages, Wails CLI and node_modules for building
deps: sysdeps $(NODE_MODULES)

## deps-test: deps plus what the tests need (Xvfb, openbox, ImageMagick, xdotool, Chromium, iptables, conntrack, coturn, dbus-daemon, dunst, dbus-x11, desktop-file-utils, gio)
# The recipe repeats the check (a no-op then) for `make build test`, where
# sysdeps already ran with DEPS_KIND=build.
deps-test: deps
	scripts/install-deps.sh test

sysdeps:
	scripts/install-deps.sh $(DEPS_KIND)

# Order-only: node and npm are checked first without forcing a reinstall.
$(NODE_MODULES): frontend/package.json frontend/package-lock.json | sysdeps
	cd frontend && $(NPM_CI)
	touch $@

$(E2E_BROWSER_MODULES): e2e/browser/package.json e2e/browser/package-lock.json | sysdeps
	cd e2e/browser && $(NPM_CI)
	touch $@

## frontend: build frontend/dist, which main.go embeds (needed by every go command)
frontend: frontend/dist/index.html

frontend/dist/index.html: $(NODE_MODULES) $(FRONTEND_SRC)
	cd frontend && npm run build

## build: the desktop app, build/bin/peerline
build: deps frontend
	$(WAILS) build $(TAGFLAG) -m -nosyncgomod

## run: build and start the app
run: build
	./build/bin/peerline

## check: hygiene (scripts/check.sh): go.mod tidy, gofmt, file sizes, svelte-check, Wails bindings as committed
# Needs node_modules (svelte-check) and frontend/dist (the bindings build
# embeds it), nothing from the network.
check: frontend
	GO=$(GO) WAILS=$(WAILS) TAGS=$(TAGS) scripts/check.sh

## test: check first, then vet, race-enabled Go tests, short fuzzing, frontend tests
# check before deps-test too: a hygiene failure shows before any long step.
test: check deps-test frontend $(E2E_BROWSER_MODULES)
	$(GO) vet $(TAGFLAG) ./...
	$(GO) vet $(DESKTOP_TAGFLAG) . ./app/webview
	$(GO) test -race $(TAGFLAG) -count=1 ./...
	$(fuzz-loop)
	cd frontend && npm test
	cd e2e/browser && npm test
	$(MAKE) --no-print-directory test-package

## fuzz: each FUZZ_TARGETS pair for FUZZTIME; a missing target is an error
fuzz: frontend
	$(fuzz-loop)

define fuzz-loop
@for t in $(FUZZ_TARGETS); do \
	pkg=$${t%%:*}; fn=$${t#*:}; \
	if ! $(GO) test $(TAGFLAG) -list "^$$fn\$$" "$$pkg" | grep -x "$$fn" >/dev/null; then \
		echo "fuzz: no $$fn in $$pkg (fix FUZZ_TARGETS)" >&2; exit 1; \
	fi; \
	echo "fuzz: $$pkg $$fn, $(FUZZTIME) inputs"; \
	$(GO) test $(TAGFLAG) -run='^$$' -fuzz="^$$fn\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZETIME) "$$pkg"; \
done
endef

## bench: Go benchmarks
bench: frontend
	$(GO) test $(TAGFLAG) -run='^$$' -bench=. ./...

## bench-signal: peerline-signal vs the PeerJS server under the same load (docs/performance.md)
bench-signal: frontend
	$(GO) run ./bench/signal -pairs 50 -msgs 200000 -size 1024 -window 32 -idle 2000 -runs 3 -starts 5 -servers peerline,peerjs

## bench-signal-attack: peerline-signal's default limits under slow readers, big subscribes and 10,000 unauthenticated connections (docs/performance.md)
bench-signal-attack:
	$(GO) run ./bench/signal -attack -runs 3 -attack-phase 10s -attackers 20 -attack-pairs 10 -attack-idle 10000

## bench-cluster: peerline-signal as a NATS cluster (nats-server + 3 nodes) vs one node: CPU per relayed message, idle memory, presence fan-out (docs/performance.md)
bench-cluster:
	$(GO) run ./bench/cluster -pairs 20 -msgs 200000 -size 1024 -window 32 -idle 2000 -watchers 100 -flappers 100 -cycles 5 -runs 5

## cluster: nats-server and three peerline-signal nodes on loopback, URLs printed, Ctrl-C stops them (scripts/cluster.sh)
cluster:
	GO=$(GO) scripts/cluster.sh

## bench-turn: relayed throughput and CPU per relayed Mbit/s, embedded TURN vs coturn (docs/performance.md)
bench-turn:
	$(GO) run ./bench/turn -pairs 20 -rate 2 -duration 10s -runs 3 -servers embedded,coturn

## screenshots: docs/screenshots of the main screens from real calls in Chromium (root)
screenshots: deps-test frontend $(E2E_BROWSER_MODULES)
	cd e2e/browser && npm run screenshots

## screenshot-tray: docs/screenshots/tray-menu*.png on a real tray host (xfce4-panel under Xvfb; apt-get install xfce4-panel)
screenshot-tray: build
	scripts/tray-screenshot.sh build/bin/peerline

## bench-call: Accept → 2nd remote frame on both sides with default motion (reduced motion beside it) vs the one-page WebRTC floor (root)
# BENCH_CALL_FLAGS: bench.js's flags (--runs N, --motion both|on|reduce, --json).
BENCH_CALL_FLAGS ?= --runs 10 --motion both
bench-call: deps-test frontend $(E2E_BROWSER_MODULES)
	cd e2e/browser && node bench.js $(BENCH_CALL_FLAGS)

## deps-package: deps plus what packaging needs (NSIS, desktop-file-utils, ImageMagick, nfpm, go-winres)
deps-package: deps
	scripts/install-deps.sh package

## build-windows: build/bin/peerline.exe, cross-compiled (no cgo), with icon, manifest and version info
build-windows: deps-package frontend
	trap 'rm -f $(WIN_SYSO)' EXIT; \
	scripts/package.sh windows-syso '$(VERSION)' $(WIN_SYSO); \
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build $(RELEASE_GOFLAGS) -tags desktop,production \
		-ldflags '$(RELEASE_LDFLAGS) -H windowsgui' -o build/bin/peerline.exe .

## package: package-linux and package-windows
package: package-linux package-windows

## package-linux: build/dist/peerline_VERSION_amd64.deb and peerline-VERSION-linux-amd64.tar.gz
package-linux: deps-package frontend
	CGO_ENABLED=1 GOOS=linux GOARCH=amd64 $(GO) build $(RELEASE_GOFLAGS) -tags desktop,production,webkit2_41 \
		-ldflags '$(RELEASE_LDFLAGS)' -o $(DIST)/linux-amd64/peerline .
	scripts/package.sh linux '$(VERSION)' $(DIST)/linux-amd64/peerline

## package-windows: build/dist/peerline-VERSION-windows-amd64-setup.exe (NSIS; needs makensis: apt-get install nsis)
package-windows: build-windows
	install -D -m 0755 build/bin/peerline.exe $(DIST)/peerline-$(VERSION)-windows-amd64.exe
	scripts/package.sh nsis '$(VERSION)' build/bin/peerline.exe $(DIST)/peerline-$(VERSION)-windows-amd64-setup.exe

## check-package: build every package, then check it (scripts/check-package.sh; installs 7-Zip and Wine)
check-package: package
	scripts/install-deps.sh package-check
	GO_WINRES=$(GO_WINRES) scripts/check-package.sh '$(VERSION)' $(DIST)

## test-package: build every package and check it, without Wine (part of make test)
test-package: package
	CHECK_WINE=0 GO_WINRES=$(GO_WINRES) scripts/check-package.sh '$(VERSION)' $(DIST)

## clean: build outputs, packages included (keeps node_modules)
clean:
	rm -rf build/bin frontend/dist frontend/package.json.md5
	rm -rf $(DIST) build/windows/installer/tmp $(WIN_SYSO)

## distclean: clean plus node_modules
distclean: clean
	rm -rf frontend/node_modules e2e/browser/node_modules
