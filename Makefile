# sockecho: a thin wrapper around the CMake presets (CMakePresets.json).
#
#   make / make build   configure + build the native tree (build/native)
#   make run            build, then the seed session (scripts/demo.sh)
#   make test           deps, build native + asan + windows, run all three suites
#   make bench          benchmarks against peers: docs/BENCHMARKS.md (not a test)
#   make format         clang-format -i every C file under src/ and tests/
#   make install        build, then install (PREFIX=/usr/local, DESTDIR honoured)
#   make package        build, then a Debian package in build/packages (CPack)
#   make package-windows  build the Windows tree, then a zip of the static
#                       sockecho.exe, README and LICENSE in build/packages
#   make clean          remove build/ (stopping its Wine server first)
#
# Each recipe runs in one bash (.ONESHELL) with -e -u -o pipefail.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.ONESHELL:
.DEFAULT_GOAL := build
MAKEFLAGS += --no-print-directory

NPROC ?= $(shell nproc 2>/dev/null || echo 2)
PRESETS := native asan windows
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: all build run test bench deps format clean install package package-windows \
        $(addprefix build-,$(PRESETS))

all: build

build: build-native

# Configure every time (cheap: cached feature checks) so a changed preset or
# CMakeLists.txt is always picked up, then build.
$(addprefix build-,$(PRESETS)): build-%:
	@echo "cmake --preset $*"
	# Quiet unless it fails or warns (it always lists the preset's variables).
	if ! out=$$(cmake --preset $* --log-level=WARNING 2>&1); then printf '%s\n' "$$out" >&2; exit 1; fi
	if grep -q 'CMake Warning\|CMake Deprecation' <<<"$$out"; then printf '%s\n' "$$out" >&2; fi
	echo "cmake --build --preset $* --parallel $(NPROC)"
	cmake --build --preset $* --parallel $(NPROC)

run: build-native
	@scripts/demo.sh build/native/sockecho

deps:
	@scripts/deps.sh

# Benchmarks (not tests): sockecho's server against libuv, epoll,
# thread-per-connection, socat, ncat and inetd peers, verified by
# sockecho bench; writes docs/BENCHMARKS.md and docs/bench-ratios.svg.
# BENCH_ARGS=--quick for a one-run smoke pass (a few minutes).
bench: build-native
	@python3 bench/run.py --out docs/BENCHMARKS.md $(BENCH_ARGS)

# CMake's install of the native tree: bin/sockecho, libsockecho (static,
# shared, pkg-config and CMake files), the header, man pages, docs, contrib
# examples, bash completion. DESTDIR stages it (packagers).
install: build-native
	@echo "cmake --install build/native --prefix $(PREFIX)$(if $(DESTDIR), (DESTDIR=$(DESTDIR)))"
	DESTDIR="$(DESTDIR)" cmake --install build/native --prefix "$(PREFIX)"

package: build-native
	@cpack --config build/native/CPackConfig.cmake -B build/packages
	rm -rf build/packages/_CPack_Packages

package-windows: build-windows
	@cpack --config build/windows/CPackConfig.cmake -B build/packages
	rm -rf build/packages/_CPack_Packages

format:
	@files=$$(find src tests -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)
	if [ -z "$$files" ]; then echo "make format: no C files"; exit 0; fi
	clang-format -i $$files
	echo "make format: formatted $$(echo "$$files" | wc -l) files"

clean:
	@if [ -d build/windows/wineprefix ] && command -v wineserver >/dev/null 2>&1; then
	  WINEPREFIX="$(CURDIR)/build/windows/wineprefix" wineserver -k >/dev/null 2>&1 || true
	  WINEPREFIX="$(CURDIR)/build/windows/wineprefix" wineserver -w >/dev/null 2>&1 || true
	fi
	rm -rf build

# make test: every phase runs even when an earlier one failed (a tree is
# tested only if it built); the summary lists each phase with its time, and
# the last line counts tests ("failed" also counts a phase that failed
# without running tests: deps, a build, a ctest that did not report).
test:
	@now() { date +%s%N; }
	secs() { local ms=$$(( ($$(now) - $$1) / 1000000 )); printf '%d.%d s' $$((ms / 1000)) $$((ms % 1000 / 100)); }
	t_all=$$(now); rows=(); bad=(); passed=0; failed=0; skipped=0
	phase() { # phase NAME COMMAND...: run it, time it, record the result
	  local name=$$1 t=$$(now) st=ok; shift
	  printf '\n=== make test: %s\n' "$$name"
	  if "$$@"; then :; else st=FAILED; bad+=("$$name"); fi
	  rows+=("$$(printf '  %-14s %-7s %9s' "$$name" "$$st" "$$(secs $$t)")")
	  [ "$$st" = ok ]
	}
	count() { # count LOG: add the counts of ctest's closing line to the totals
	  local line total nfail nskip
	  line=$$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$$1" | tail -n 1 || true)
	  if [ -z "$$line" ]; then failed=$$((failed + 1)); return; fi
	  total=$${line##* out of }; nfail=$$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$$line")
	  nskip=$$(grep -cE '\((Skipped|Disabled)\)$$' "$$1" || true)
	  passed=$$((passed + total - nfail - nskip)); failed=$$((failed + nfail)); skipped=$$((skipped + nskip))
	}
	summary() {
	  printf '\n=== make test: summary (%s in all)\n' "$$(secs $$t_all)"
	  printf '%s\n' "$${rows[@]}"
	  if [ $${#bad[@]} -gt 0 ]; then printf '  failed phases: %s\n' "$$(IFS=,; echo "$${bad[*]}")"; fi
	  echo "test: $$passed passed, $$failed failed, $$skipped skipped"
	}
	if ! phase deps scripts/deps.sh; then failed=$$((failed + 1)); summary; exit 1; fi
	built=()
	for p in $(PRESETS); do
	  if phase "build $$p" $(MAKE) build-$$p; then built+=("$$p"); else failed=$$((failed + 1)); fi
	done
	for p in "$${built[@]}"; do
	  mkdir -p build/$$p; log=build/$$p/ctest.log
	  if [ "$$p" = windows ]; then
	    phase "ctest $$p" bash -c 'set -o pipefail; scripts/ctest-wine.sh 2>&1 | tee "$$0"' "$$log" || true
	  else
	    phase "ctest $$p" bash -c 'set -o pipefail; ctest --preset "$$1" --no-tests=error </dev/null 2>&1 | tee "$$0"' "$$log" "$$p" || true
	  fi
	  count "$$log"
	done
	summary
	[ $${#bad[@]} -eq 0 ]
