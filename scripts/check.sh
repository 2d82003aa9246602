#!/usr/bin/env bash
# check.sh — hygiene that guards itself: the checks `make check` runs, and
# `make test` runs first (each fails fast and says how to fix what it found).
#
#   scripts/check.sh [tidy|gofmt|sizes|svelte|bindings ...]   all five, in this order, by default
#
#   tidy      go.mod and go.sum are what `go mod tidy` writes (`go mod tidy -diff`).
#   gofmt     every Go file git tracks (or would: untracked, not ignored) is
#             gofmt'ed; generated files ("// Code generated … DO NOT EDIT.")
#             and anything under vendor/ or node_modules/ are left out.
#   sizes     the root package app stays wiring (at most 700 lines of non-test
#             Go in app/*.go), and no hand-written source file git tracks
#             (.go .ts .js .svelte .css .sh; generated files, frontend/wailsjs
#             and testdata left out) is over 700 lines: the house issue's
#             limits, kept by the build rather than by review.
#   svelte    svelte-check over frontend/ (`npm run check`, which fails on
#             warnings too); needs frontend/node_modules.
#   bindings  frontend/wailsjs is what the pinned Wails CLI generates from the
#             bound Go types: `wails generate module` rewrites it in place, and
#             the check fails when git then sees a change or a new file there.
#             Nothing in it names a bound package, so moving services between
#             packages only changes what is generated. It needs frontend/dist
#             (main.go embeds it) and the module cache; the generator runs the
#             app in bindings mode, which reads types and starts nothing (no
#             data dir, hub or mDNS: main.go).
#
# Environment: GO (go), WAILS (the Wails CLI; default $(go env GOPATH)/bin/wails),
# TAGS (Go build tags for the bindings build, e.g. webkit2_41). Runs from the
# repository root, with no stdin and no terminal (CI=true is set for Wails).
# Prints each check's time. Exits non-zero at the first check that fails.
set -euo pipefail

GO=${GO:-go}
WAILS=${WAILS:-$("$GO" env GOPATH | cut -d: -f1)/bin/wails}
TAGS=${TAGS:-}

cd "$(git rev-parse --show-toplevel)"

scratch=() # temporary directories, removed on exit
trap 'rm -rf "${scratch[@]}"' EXIT

die() {
  printf 'check: %s\n' "$*" >&2
  exit 1
}

check_tidy() {
  local diff
  if ! diff=$("$GO" mod tidy -diff 2>&1); then
    printf '%s\n' "$diff" >&2
    die "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result"
  fi
}

check_gofmt() {
  local -a listed=() files=()
  local f
  mapfile -d '' listed < <(git ls-files -z --cached --others --exclude-standard -- '*.go' \
    ':(exclude,glob)**/vendor/**' ':(exclude,glob)**/node_modules/**')
  for f in "${listed[@]}"; do
    [[ -f $f ]] && files+=("$f") # not deleted in the work tree
  done
  [[ ${#files[@]} -gt 0 ]] || return 0
  # Generated Go files follow their generator, not gofmt.
  local generated bad
  generated=$(grep -l -E '^// Code generated .* DO NOT EDIT\.$' -- "${files[@]}" || true)
  bad=$(gofmt -l "${files[@]}" | grep -vxF -e "$generated" || true)
  if [[ -n $bad ]]; then
    printf '%s\n' "$bad" >&2
    die "these Go files are not gofmt'ed: run 'gofmt -w' on them"
  fi
}

# The house issue's limits (docs/architecture.md).
MAX_ROOT_LINES=700
MAX_FILE_LINES=700

check_sizes() {
  local -a root=() files=()
  local f n total=0 bad=""
  mapfile -t root < <(git ls-files --cached --others --exclude-standard -- 'app/*.go' | grep -E '^app/[^/]+\.go$' | grep -v '_test\.go$' || true)
  for f in "${root[@]}"; do
    [[ -f $f ]] || continue
    total=$((total + $(wc -l <"$f")))
  done
  if ((total > MAX_ROOT_LINES)); then
    die "the root package app has $total lines of non-test Go (at most $MAX_ROOT_LINES: it is wiring only; move behaviour into the package it belongs to)"
  fi
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.go' '*.ts' '*.js' '*.svelte' '*.css' '*.sh' \
    ':(exclude,glob)**/node_modules/**' ':(exclude,glob)frontend/wailsjs/**' ':(exclude,glob)**/testdata/**' ':(exclude,glob)**/vendor/**')
  for f in "${files[@]}"; do
    [[ -f $f ]] || continue
    n=$(wc -l <"$f")
    ((n > MAX_FILE_LINES)) || continue
    grep -q -m1 -E '^// Code generated .* DO NOT EDIT\.$' -- "$f" && continue
    bad+="$f: $n lines"$'\n'
  done
  if [[ -n $bad ]]; then
    printf '%s' "$bad" >&2
    die "these source files are over $MAX_FILE_LINES lines: split them where they hold two things"
  fi
}

check_svelte() {
  [[ -d frontend/node_modules ]] || die "frontend/node_modules is missing: run 'make deps' (or 'make check', which installs it)"
  # svelte-check prints every error and warning with its file and line;
  # --fail-on-warnings (package.json) makes a warning fail the check too.
  (cd frontend && npm run --silent check) || die "svelte-check found errors or warnings (above)"
}

check_bindings() {
  [[ -x $WAILS ]] || die "no Wails CLI at $WAILS: run 'make deps'"
  [[ -f frontend/dist/index.html ]] || die "frontend/dist is missing (main.go embeds it): run 'make frontend'"
  local dir=frontend/wailsjs tmp
  tmp=$(mktemp -d)
  scratch+=("$tmp")
  cp -a "$dir" "$tmp/before"
  local -a tags=()
  [[ -n $TAGS ]] && tags=(-tags "$TAGS")
  # TMPDIR: Wails builds its helper binary as $TMPDIR/wailsbindings, one
  # path for every concurrent run on the machine unless each has its own.
  if ! CI=true TMPDIR=$tmp "$WAILS" generate module -v 0 -nocolour "${tags[@]}" </dev/null >"$tmp/log" 2>&1; then
    cat "$tmp/log" >&2
    die "wails generate module failed (above)"
  fi
  # Wails rewrites every file; keep the times of those it rewrote unchanged,
  # so make does not think the frontend sources changed.
  local f
  while IFS= read -r -d '' f; do
    if cmp -s "$f" "$tmp/before/${f#"$dir"/}"; then
      touch -r "$tmp/before/${f#"$dir"/}" "$f"
    fi
  done < <(find "$dir" -type f -print0)
  local untracked
  untracked=$(git ls-files --others --exclude-standard -- "$dir")
  if ! git diff --quiet -- "$dir" || [[ -n $untracked ]]; then
    git --no-pager diff --stat -- "$dir" >&2
    [[ -z $untracked ]] || printf 'new, untracked:\n%s\n' "$untracked" >&2
    die "the committed Wails bindings are stale: $dir now holds the regenerated ones; review and commit them (git add $dir)"
  fi
}

checks=("$@")
[[ ${#checks[@]} -gt 0 ]] || checks=(tidy gofmt sizes svelte bindings)
for c in "${checks[@]}"; do
  case $c in
  tidy | gofmt | sizes | svelte | bindings) ;;
  *) die "unknown check '$c' (tidy, gofmt, sizes, svelte, bindings)" ;;
  esac
  start=$(date +%s%N)
  "check_$c"
  ms=$((($(date +%s%N) - start) / 1000000))
  printf 'check: %-8s ok (%d.%01ds)\n' "$c" $((ms / 1000)) $((ms % 1000 / 100))
done
