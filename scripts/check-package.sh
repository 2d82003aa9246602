#!/usr/bin/env bash
# `cond && ok ... || fail ...` is meant: ok and fail always succeed.
# shellcheck disable=SC2015
# check-package.sh — check the packages `make package` wrote, without
# installing anything: `make check-package` builds them first and runs this.
#
#   scripts/check-package.sh VERSION [DIST]     DIST defaults to build/dist
#
# Linux: the .deb's control fields (Depends covers every library the binary
# links, per dpkg-shlibdeps), its files and modes, the .desktop file and
# metainfo (validators), the icons, and `peerline --version` of the packaged
# binary; the tarball's files. Windows: the .exe is a PE32+ GUI binary with
# icon, manifest and version resources; the installer holds exactly that
# .exe. With Wine (wine64) installed, a 64-bit build of the same installer
# script is installed and uninstalled silently in a throwaway prefix: files,
# Start menu shortcut, uninstall registry key and the netsh firewall rules.
# CHECK_WINE=0 skips that part. Exits non-zero if any check fails.
set -euo pipefail

VERSION=${1:?usage: $0 VERSION [DIST]}
DIST=${2:-build/dist}
GO_WINRES=${GO_WINRES:-$(go env GOPATH | cut -d: -f1)/bin/go-winres}

failures=0
ok() { printf 'ok    %s\n' "$*"; }
fail() {
  printf 'FAIL  %s\n' "$*"
  failures=$((failures + 1))
}
skip() { printf 'skip  %s\n' "$*"; }
check() { # check DESCRIPTION COMMAND...: ok if COMMAND succeeds
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else fail "$what"; fi
}

# Wine: Debian's wine64 package alone puts its binaries in /usr/lib/wine.
wine=$(command -v wine64 || command -v wine || command -v /usr/lib/wine/wine64 || true)
wineserver=$(command -v wineserver || command -v /usr/lib/wine/wineserver64 || command -v /usr/lib/wine/wineserver || true)

tmp=$(mktemp -d)
cleanup() {
  # Stop this prefix's wineserver and its processes (only those).
  if [[ -n ${WINEPREFIX:-} && -d ${WINEPREFIX:-} && -n $wineserver ]]; then
    WINEPREFIX=$WINEPREFIX "$wineserver" -k >/dev/null 2>&1 || true
    WINEPREFIX=$WINEPREFIX timeout 30 "$wineserver" -w >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

debver=$(scripts/package.sh deb-version "$VERSION")
deb=$DIST/peerline_${debver}_amd64.deb
tarball=$DIST/peerline-$VERSION-linux-amd64.tar.gz
exe=$DIST/peerline-$VERSION-windows-amd64.exe
setup=$DIST/peerline-$VERSION-windows-amd64-setup.exe

# names prints the package names of a Depends-style field, one per line
# (alternatives split, versions dropped).
names() {
  tr ',|' '\n' <<<"$1" | sed -e 's/(.*)//' -e 's/[[:space:]]//g' | grep -v '^$' || true
}

has_name() { # has_name FIELD NAME
  names "$1" | grep -qxF "$2"
}

## Linux: .deb
if [[ ! -f $deb ]]; then
  fail "$deb exists (make package-linux)"
else
  ok "$deb exists ($(stat -c %s "$deb") bytes)"
  field() { dpkg-deb -f "$deb" "$1"; }
  [[ $(field Package) == peerline ]] && ok "Package: peerline" || fail "Package: $(field Package)"
  [[ $(field Version) == "$debver" ]] && ok "Version: $debver" || fail "Version: $(field Version), want $debver"
  [[ $(field Architecture) == amd64 ]] && ok "Architecture: amd64" || fail "Architecture: $(field Architecture)"
  depends=$(field Depends)
  recommends=$(field Recommends)
  for p in libwebkit2gtk-4.1-0 libgtk-3-0; do
    has_name "$depends" "$p" && ok "Depends on $p" || fail "Depends on $p: $depends"
  done
  for p in gstreamer1.0-plugins-good gstreamer1.0-plugins-bad; do
    has_name "$recommends" "$p" && ok "Recommends $p" || fail "Recommends $p: $recommends"
  done
  grep -qE '(^|, )chromium \| google-chrome-stable(,|$)' <<<"$recommends" &&
    ok "Recommends chromium | google-chrome-stable" || fail "Recommends chromium | google-chrome-stable: $recommends"

  listing=$(dpkg-deb -c "$deb")
  mode_of() { awk -v f="./$1" '$6 == f { print $1, $2 }' <<<"$listing"; }
  want_file() { # want_file PATH MODE
    local got
    got=$(mode_of "$1")
    [[ $got == "$2 root/root" ]] && ok "/$1 ($2 root/root)" || fail "/$1: want $2 root/root, got '${got:-missing}'"
  }
  want_file usr/bin/peerline -rwxr-xr-x
  want_file usr/share/applications/peerline.desktop -rw-r--r--
  want_file usr/share/metainfo/com.peerline.peerline.metainfo.xml -rw-r--r--
  for s in 16 32 48 64 128 256 512; do
    want_file "usr/share/icons/hicolor/${s}x${s}/apps/peerline.png" -rw-r--r--
  done
  others=$(awk '$1 !~ /^d/ { print $6 }' <<<"$listing" |
    grep -vxE '\./usr/bin/peerline|\./usr/share/applications/peerline\.desktop|\./usr/share/metainfo/com\.peerline\.peerline\.metainfo\.xml|\./usr/share/icons/hicolor/[0-9]+x[0-9]+/apps/peerline\.png' || true)
  [[ -z $others ]] && ok "no other files in the .deb" || fail "unexpected files in the .deb: $others"

  root=$tmp/deb
  dpkg-deb -x "$deb" "$root"
  bin=$root/usr/bin/peerline
  file -b "$bin" | grep -q '^ELF 64-bit LSB .*x86-64' && ok "/usr/bin/peerline is an x86-64 ELF" ||
    fail "/usr/bin/peerline: $(file -b "$bin")"
  got=$("$bin" --version 2>&1) || true
  [[ $got == "peerline $VERSION" ]] && ok "peerline --version: $got" || fail "peerline --version: '$got', want 'peerline $VERSION'"

  desktop=$root/usr/share/applications/peerline.desktop
  if command -v desktop-file-validate >/dev/null; then
    out=$(desktop-file-validate "$desktop" 2>&1) && ! grep -Eq 'error|warning' <<<"$out" &&
      ok "peerline.desktop validates" || fail "peerline.desktop: $out"
  else
    skip "desktop-file-validate not installed (apt-get install desktop-file-utils)"
  fi
  grep -qx 'Exec=peerline %u' "$desktop" && ok "Exec=peerline %u (an invite link is the argument)" || fail "peerline.desktop: Exec is not 'peerline %u'"
  grep -qx 'MimeType=x-scheme-handler/peerline;' "$desktop" && ok "peerline.desktop handles peerline: links" ||
    fail "peerline.desktop: no MimeType=x-scheme-handler/peerline;"
  grep -qx 'Icon=peerline' "$desktop" && ok "Icon=peerline" || fail "peerline.desktop: Icon is not peerline"
  grep -qx 'StartupWMClass=peerline' "$desktop" && ok "StartupWMClass=peerline (main.go's ProgramName)" ||
    fail "peerline.desktop: StartupWMClass is not peerline"
  for s in 16 32 48 64 128 256 512; do
    icon=$root/usr/share/icons/hicolor/${s}x${s}/apps/peerline.png
    file -b "$icon" 2>/dev/null | grep -q "^PNG image data, $s x $s," && ok "icon ${s}x${s} is a $s×$s PNG" ||
      fail "icon ${s}x${s}: $(file -b "$icon" 2>&1)"
  done
  if command -v appstreamcli >/dev/null; then
    check "metainfo validates (appstreamcli)" appstreamcli validate --no-net "$root/usr/share/metainfo/com.peerline.peerline.metainfo.xml"
  else
    skip "appstreamcli not installed"
  fi

  # Every package dpkg-shlibdeps finds for the binary's libraries must be in
  # Depends (Ubuntu's t64 names count as the plain ones).
  if command -v dpkg-shlibdeps >/dev/null; then
    mkdir -p "$tmp/shlibs/debian"
    printf 'Source: peerline\n\nPackage: peerline\nArchitecture: amd64\n' >"$tmp/shlibs/debian/control"
    if shl=$(cd "$tmp/shlibs" && dpkg-shlibdeps -O "$bin" 2>/dev/null); then
      shl=${shl#shlibs:Depends=}
      missing=()
      while read -r p; do
        has_name "$depends" "${p%t64}" || missing+=("$p")
      done < <(names "$shl")
      ((${#missing[@]} == 0)) && ok "Depends covers dpkg-shlibdeps ($shl)" ||
        fail "Depends lacks ${missing[*]} (dpkg-shlibdeps: $shl); add them to build/linux/nfpm.yaml"
    else
      fail "dpkg-shlibdeps failed on /usr/bin/peerline"
    fi
  else
    skip "dpkg-shlibdeps not installed (apt-get install dpkg-dev)"
  fi
fi

## Linux: tarball
if [[ ! -f $tarball ]]; then
  fail "$tarball exists (make package-linux)"
else
  ok "$tarball exists ($(stat -c %s "$tarball") bytes)"
  top=peerline-$VERSION-linux-amd64
  want=$(printf '%s\n' "$top/" "$top/README.txt" "$top/peerline" "$top/peerline.desktop" "$top/peerline.png")
  got=$(tar -tzf "$tarball" | sort)
  [[ $got == "$want" ]] && ok "tarball holds peerline, peerline.desktop, peerline.png, README.txt" ||
    fail "tarball lists: $(tr '\n' ' ' <<<"$got")"
  tar -C "$tmp" -xzf "$tarball"
  [[ -x $tmp/$top/peerline ]] && ok "tarball's peerline is executable" || fail "tarball's peerline is not executable"
  if [[ -f ${bin:-} ]]; then
    check "tarball's peerline is the .deb's" cmp "$tmp/$top/peerline" "$bin"
  fi
fi

## Windows: the .exe
if [[ ! -f $exe ]]; then
  fail "$exe exists (make package-windows)"
else
  ok "$exe exists ($(stat -c %s "$exe") bytes)"
  desc=$(file -b "$exe")
  [[ $desc == "PE32+ executable (GUI) x86-64, for MS Windows"* ]] && ok "peerline.exe: $desc" || fail "peerline.exe: $desc"
  if [[ -x $GO_WINRES ]]; then
    "$GO_WINRES" extract --dir "$tmp/res" "$exe" >/dev/null 2>&1 || true
    res=$tmp/res/winres.json
    if [[ -f $res ]]; then
      # The window icon is group icon 3 (Wails loads that ID); the manifest
      # asks for common controls v6 and per-monitor DPI.
      check "peerline.exe has group icon 3" node -e 'const r = require(process.argv[1]); if (!r.RT_GROUP_ICON?.["#3"]) process.exit(1)' "$res"
      check "peerline.exe has a manifest (common controls v6, per-monitor v2 DPI)" node -e '
        const m = require(process.argv[1]).RT_MANIFEST?.["#1"]?.["0409"];
        if (!m || !m["use-common-controls-v6"] || m["dpi-awareness"] !== "per monitor v2") process.exit(1)' "$res"
      pv=$(node -p 'Object.values(require(process.argv[1]).RT_VERSION?.["#1"]?.["0000"]?.info ?? {})[0]?.ProductVersion ?? ""' "$res")
      [[ $pv == "$VERSION" ]] && ok "peerline.exe ProductVersion: $pv" || fail "peerline.exe ProductVersion: '$pv', want '$VERSION'"
    else
      fail "go-winres extract found no resources in peerline.exe"
    fi
  else
    skip "go-winres not installed: resources not checked (scripts/install-deps.sh package)"
  fi
fi

## Windows: the installer
if [[ ! -f $setup ]]; then
  fail "$setup exists (make package-windows; needs makensis)"
else
  ok "$setup exists ($(stat -c %s "$setup") bytes)"
  desc=$(file -b "$setup")
  [[ $desc == *"Nullsoft Installer"* ]] && ok "installer: $desc" || fail "installer: $desc"
  sevenzip=$(command -v 7zz || command -v 7z || true)
  if [[ -n $sevenzip ]]; then
    "$sevenzip" x -y -o"$tmp/setup" "$setup" >/dev/null
    [[ -f $tmp/setup/uninstall.exe ]] && ok "installer holds uninstall.exe" || fail "installer has no uninstall.exe"
    if [[ -f $exe ]]; then
      check "installer holds exactly $exe as peerline.exe" cmp "$tmp/setup/peerline.exe" "$exe"
    fi
  else
    skip "7-Zip not installed: installer contents not checked (apt-get install 7zip)"
  fi
fi

## Windows: install and uninstall under Wine
if [[ ${CHECK_WINE:-1} == 0 ]]; then
  skip "Wine test (CHECK_WINE=0)"
elif [[ -z $wine || -z $wineserver ]]; then
  skip "Wine test: wine64 not installed (apt-get install wine64)"
elif ! command -v makensis >/dev/null || [[ ! -f $exe ]]; then
  skip "Wine test: needs makensis and $exe"
else
  setup64=$tmp/setup64.exe
  NSIS_TARGET=amd64-unicode scripts/package.sh nsis "$VERSION" "$exe" "$setup64" 2>/dev/null
  export WINEPREFIX=$tmp/wine WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml='
  w() { timeout 180 "$wine" "$@"; }
  w wineboot -i >/dev/null 2>&1
  w winecfg -v win10 >/dev/null 2>&1
  # Pretend WebView2 is there, so the installer does not run its bootstrapper.
  w reg add 'HKLM\SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}' \
    /v pv /d 120.0.0.0 /f >/dev/null 2>&1
  c=$WINEPREFIX/drive_c
  dir="$c/Program Files/Peerline"
  key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\PeerlinePeerline'
  # +process logs every command line the installer starts: the netsh calls.
  if WINEDEBUG=-all,+process w "$setup64" /S >"$tmp/install.log" 2>&1; then
    ok "wine: silent install exits 0"
  else
    fail "wine: silent install exits $?"
  fi
  check "wine: C:\\Program Files\\Peerline\\peerline.exe is the .exe" cmp "$dir/peerline.exe" "$exe"
  check "wine: uninstall.exe installed" test -f "$dir/uninstall.exe"
  check "wine: Start menu shortcut" test -f "$c/ProgramData/Microsoft/Windows/Start Menu/Programs/Peerline.lnk"
  proto=$(w reg query 'HKLM\Software\Classes\peerline\shell\open\command' /reg:64 2>/dev/null | tr -d '\r' || true)
  grep -q 'peerline.exe" "%1"\|peerline.exe "%1"' <<<"$proto" &&
    ok "wine: peerline: links open peerline.exe with the link" || fail "wine: no peerline: URL protocol: $proto"
  reg=$(w reg query "$key" /reg:64 2>/dev/null | tr -d '\r' || true)
  grep -q "DisplayVersion.*REG_SZ" <<<"$reg" && grep -q 'uninstall.exe' <<<"$reg" &&
    ok "wine: uninstall registry key (Apps & features)" || fail "wine: no uninstall registry key: $reg"
  cmdlines() { grep -a 'NtCreateUserProcess' "$1" | grep -a 'system32\\\\netsh.exe" image' | grep -ao 'cmdline L".* parent' || true; }
  adds=$(cmdlines "$tmp/install.log" | grep -a 'add rule' || true)
  grep -aq 'name=\\"Peerline LAN hub (TCP 47400)\\" dir=in action=allow protocol=TCP localport=47400 profile=private,domain program=\\"C:\\\\Program Files\\\\Peerline\\\\peerline.exe\\"' <<<"$adds" &&
    ok "wine: netsh adds the inbound TCP 47400 rule for peerline.exe" || fail "wine: no netsh rule for TCP 47400: $adds"
  grep -aq 'name=\\"Peerline LAN discovery (mDNS, UDP 5353)\\" dir=in action=allow protocol=UDP localport=5353 profile=private,domain program=\\"C:\\\\Program Files\\\\Peerline\\\\peerline.exe\\"' <<<"$adds" &&
    ok "wine: netsh adds the inbound UDP 5353 rule for peerline.exe" || fail "wine: no netsh rule for UDP 5353: $adds"
  # The uninstaller copies itself to %TEMP%, starts the copy and exits;
  # wineserver -w waits for the copy (and everything else in the prefix).
  if WINEDEBUG=-all,+process w "$dir/uninstall.exe" /S >"$tmp/uninstall.log" 2>&1 &&
    timeout 180 "$wineserver" -w; then
    ok "wine: silent uninstall exits 0"
  else
    fail "wine: silent uninstall exits $?"
  fi
  check "wine: peerline.exe removed" test ! -e "$dir/peerline.exe"
  check "wine: Start menu shortcut removed" test ! -e "$c/ProgramData/Microsoft/Windows/Start Menu/Programs/Peerline.lnk"
  if w reg query "$key" /reg:64 >/dev/null 2>&1; then fail "wine: uninstall registry key left"; else ok "wine: uninstall registry key removed"; fi
  dels=$(cmdlines "$tmp/uninstall.log" | grep -a 'delete rule' || true)
  grep -aq 'Peerline LAN hub (TCP 47400)' <<<"$dels" && grep -aq 'Peerline LAN discovery (mDNS, UDP 5353)' <<<"$dels" &&
    ok "wine: netsh deletes both rules on uninstall" || fail "wine: uninstall does not delete the rules: $dels"
fi

if ((failures > 0)); then
  printf '\ncheck-package: %d check(s) failed\n' "$failures"
  exit 1
fi
printf '\ncheck-package: all checks passed\n'
