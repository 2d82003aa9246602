#!/usr/bin/env bash
# install-deps.sh — install what building (or testing) Peerline needs on
# Debian/Ubuntu, doing nothing for what is already present.
#
#   scripts/install-deps.sh build   C toolchain, GTK/WebKitGTK 4.1, GStreamer, Wails CLI
#   scripts/install-deps.sh test    the above plus Xvfb, openbox, ImageMagick, xdotool, Chromium, iptables, conntrack, coturn, dbus-daemon, dunst, dbus-x11, desktop-file-utils, libglib2.0-bin
#   scripts/install-deps.sh package build plus what `make package` needs: NSIS,
#                                   desktop-file-utils, ImageMagick, nfpm, go-winres
#   scripts/install-deps.sh package-check  package plus 7-Zip and Wine (make check-package)
#
# Runs apt-get as root, through `sudo -n` when that works, and otherwise
# prints the exact command and fails. Never prompts (CI has no stdin).
set -euo pipefail

readonly WAILS_VERSION=v2.15.0
# Packaging tools (Go), pinned. nfpm v2.46.0 and later need modules from
# go.digitalxero.dev, which the Go module proxy refuses (403), so v2.45.2 is
# the newest that installs through the proxy.
readonly NFPM_VERSION=v2.45.2 GO_WINRES_VERSION=v0.3.3
# Vite 8 needs Node ^20.19 || >=22.12.
readonly NODE_MIN_MAJOR=20 NODE_MIN_MINOR=19

build_pkgs=(
  build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev
  # WebKitGTK's media stack: camera, microphone, WebRTC codecs.
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
)
# chromium runs the browser tests; Xvfb, openbox and import (ImageMagick)
# run and screenshot the real window; xdotool and x11-utils (xprop,
# xwininfo) minimise, move, resize and measure it. iptables and conntrack
# make the simulated internet's NAT routers, and coturn is the external
# TURN server that e2e/browser/nat.test.js calls through
# and that make bench-turn measures the embedded TURN against. dunst (a
# real notification server) and dbus-x11 run app/notify's tests and the
# incoming-call notification e2e test on a private session bus.
# desktop-file-validate (desktop-file-utils) and gio (libglib2.0-bin, which
# launches a .desktop file as a desktop does) check the autostart entry.
# dbus-daemon runs the private session buses of the tray tests (app/tray).
# (scripts/tray-screenshot.sh also wants xfce4-panel, a real tray host; it
# is not installed for make test.)
test_pkgs=(xvfb openbox imagemagick xdotool x11-utils chromium iproute2 util-linux iptables conntrack coturn dunst dbus-x11 desktop-file-utils libglib2.0-bin dbus-daemon)
# makensis builds the Windows installer; desktop-file-validate checks the
# .desktop file; convert (ImageMagick) sizes the icons; dpkg-shlibdeps
# (dpkg-dev) and file check the packages; appstreamcli checks the metainfo.
package_pkgs=(nsis desktop-file-utils imagemagick dpkg-dev file appstream)
# scripts/check-package.sh: 7-Zip opens the installer; Wine (64-bit only, no
# i386 multiarch) runs a 64-bit build of it.
package_check_pkgs=(7zip wine64)

log() { printf 'deps: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# missing_pkgs prints the packages in "$@" that dpkg does not have installed.
missing_pkgs() {
  local p
  for p in "$@"; do
    [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null) == ii* ]] || printf '%s\n' "$p"
  done
}

apt_install() {
  if [[ $(uname -s) != Linux ]]; then
    return 0 # macOS/Windows: Wails uses the system webview, nothing to install.
  fi
  if ! command -v dpkg-query >/dev/null; then
    log "not a Debian-based system; make sure the equivalents of these are installed: $*"
    return 0
  fi
  local missing
  mapfile -t missing < <(missing_pkgs "$@")
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  log "missing: ${missing[*]}"
  # Wait for a concurrent apt/dpkg (unattended-upgrades) rather than failing.
  local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 ${missing[*]}"
  if ((EUID == 0)); then
    bash -c "$cmd"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n bash -c "$cmd"
  else
    die "missing packages; run as root:
    sudo bash -c '$cmd'"
  fi
}

check_go() {
  command -v go >/dev/null || die "Go is not installed (https://go.dev/dl/); go.mod says which version"
}

check_node() {
  command -v node >/dev/null && command -v npm >/dev/null ||
    die "Node.js >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR with npm is required (Debian 12's nodejs is too old; use NodeSource or nvm)"
  local v major minor
  v=$(node --version)
  v=${v#v}
  major=${v%%.*}
  minor=${v#*.}
  minor=${minor%%.*}
  if ((major < NODE_MIN_MAJOR || (major == NODE_MIN_MAJOR && minor < NODE_MIN_MINOR))); then
    die "Node.js $v is too old: need >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR (Vite 8)"
  fi
}

# install_wails puts the pinned Wails CLI in $(go env GOPATH)/bin, which may
# not be on PATH; the Makefile calls it by that path.
install_wails() {
  local bin
  bin="$(go env GOPATH | cut -d: -f1)/bin"
  if [[ -x $bin/wails ]] && [[ $("$bin/wails" version 2>/dev/null | head -n1) == "$WAILS_VERSION" ]]; then
    return 0
  fi
  log "installing wails $WAILS_VERSION into $bin"
  GOBIN="$bin" go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION"
}

# install_go_tool puts a pinned Go tool in $(go env GOPATH)/bin unless that
# exact version is already there; the Makefile calls it by that path.
install_go_tool() {
  local pkg=$1 version=$2 bin name have
  bin="$(go env GOPATH | cut -d: -f1)/bin"
  name=${pkg##*/}
  have=$(go version -m "$bin/$name" 2>/dev/null | awk '$1 == "mod" { print $3 }' || true)
  if [[ $have == "$version" ]]; then
    return 0
  fi
  log "installing $name $version into $bin"
  GOBIN="$bin" go install "$pkg@$version"
}

main() {
  local what=${1:-}
  case $what in
  build) apt_install "${build_pkgs[@]}" ;;
  test) apt_install "${build_pkgs[@]}" "${test_pkgs[@]}" ;;
  package) apt_install "${build_pkgs[@]}" "${package_pkgs[@]}" ;;
  package-check) apt_install "${build_pkgs[@]}" "${package_pkgs[@]}" "${package_check_pkgs[@]}" ;;
  *) die "usage: $0 build|test|package|package-check" ;;
  esac
  check_go
  check_node
  install_wails
  if [[ $what == package* ]]; then
    install_go_tool github.com/goreleaser/nfpm/v2/cmd/nfpm "$NFPM_VERSION"
    install_go_tool github.com/tc-hib/go-winres "$GO_WINRES_VERSION"
  fi
}

main "$@"
