#!/usr/bin/env bash
# package.sh — release packaging steps the Makefile runs (docs/packaging.md).
# Run from the repository root.
#
#   scripts/package.sh version                  the release version: `git describe`, without the v
#   scripts/package.sh deb-version VERSION      VERSION as a Debian version (sorts correctly)
#   scripts/package.sh win-version VERSION      VERSION as X.Y.Z (Windows version resources)
#   scripts/package.sh windows-syso VERSION OUT icon, manifest and version info for peerline.exe
#   scripts/package.sh linux VERSION BINARY     .deb and .tar.gz into build/dist
#   scripts/package.sh nsis VERSION EXE OUT     the Windows installer (makensis; NSIS_TARGET)
#
# Tools are called by path where they are Go tools (NFPM, GO_WINRES; the
# Makefile sets them), by name otherwise (convert, desktop-file-validate,
# makensis, node).
set -euo pipefail

readonly DIST=build/dist
readonly ICON_SIZES=(16 32 48 64 128 256 512)
readonly WAILS_MODULE=github.com/wailsapp/wails/v2

log() { printf 'package: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

need() {
  command -v "$1" >/dev/null || die "$1 not found: $2"
}

# version prints the version of this checkout: the v-tag on HEAD (v1.2.3 →
# 1.2.3), `git describe` between tags (1.2.3-4-gabcdef0), the commit when
# there is no tag yet (abcdef0); -dirty when the work tree has changes.
cmd_version() {
  local v
  v=$(git describe --tags --always --dirty --match 'v[0-9]*' 2>/dev/null) || v=unknown
  printf '%s\n' "${v#v}"
}

# deb_version turns a VERSION into a Debian version that orders releases,
# pre-releases and builds between tags correctly:
#   1.2.3 → 1.2.3          1.2.3-rc.1 → 1.2.3~rc.1 (before 1.2.3)
#   1.2.3-4-gabcdef0 → 1.2.3+4.gabcdef0 (after 1.2.3)
#   abcdef0 (no tag) → 0.0.0+git.abcdef0          -dirty → .dirty / +dirty
deb_version() {
  local v=$1 base suffix='' dirty=''
  if [[ $v == *-dirty ]]; then
    dirty=1
    v=${v%-dirty}
  fi
  if [[ $v =~ ^([0-9].*)-([0-9]+)-g([0-9a-f]+)$ ]]; then
    base=${BASH_REMATCH[1]}
    suffix="+${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}"
  elif [[ $v =~ ^[0-9a-f]{7,40}$ || ! $v =~ ^[0-9] ]]; then
    base=0.0.0
    suffix="+git.$v"
  else
    base=$v
  fi
  base=${base//-/\~}
  if [[ -n $dirty ]]; then
    if [[ -n $suffix ]]; then suffix+=.dirty; else suffix=+dirty; fi
  fi
  v=$base$suffix
  [[ $v =~ ^[0-9][A-Za-z0-9.+~]*$ ]] || die "cannot make a Debian version of '$1' (got '$v')"
  printf '%s\n' "$v"
}

# win_version prints the leading numeric X.Y.Z of VERSION (0.0.0 if none):
# Windows version resources and NSIS want numbers only.
win_version() {
  local v parts
  v=$(deb_version "$1")
  [[ $v =~ ^[0-9]+(\.[0-9]+){0,2} ]] || die "no numeric version in '$1'"
  IFS=. read -ra parts <<<"${BASH_REMATCH[0]}"
  while ((${#parts[@]} < 3)); do parts+=(0); done
  local p
  for p in "${parts[@]}"; do
    ((10#$p <= 65535)) || die "version part $p of '$1' is too large for Windows"
  done
  printf '%d.%d.%d\n' "$((10#${parts[0]}))" "$((10#${parts[1]}))" "$((10#${parts[2]}))"
}

# info prints a field of wails.json's "info" (productName, companyName, ...).
info() {
  node -e 'const i = require(process.argv[1]).info || {}; process.stdout.write(String(i[process.argv[2]] ?? ""))' \
    "$PWD/wails.json" "$1"
}

# sed_value escapes $1 for the right-hand side of a sed s|||.
sed_value() {
  local v=${1//\\/\\\\}
  v=${v//&/\\&}
  printf '%s' "${v//|/\\|}"
}

# render fills the Wails template fields ({{.Name}}, {{.Info.X}}) of a
# build/windows file from wails.json and the version. The numeric fields
# (the manifest's assembly version, info.json's fixed file_version) get
# WINVER.0; the text ProductVersion gets the full version.
render() {
  local file=$1 version=$2 winver=$3 out
  out=$(sed -e 's|{{\.Name}}|peerline|g' \
    -e "s|{{\\.Info\\.ProductVersion}}\\.0\"|$winver.0\"|g" \
    -e "s|\"file_version\": \"{{\\.Info\\.ProductVersion}}\"|\"file_version\": \"$winver.0\", \"product_version\": \"$winver.0\"|g" \
    -e "s|{{\\.Info\\.ProductVersion}}|$(sed_value "$version")|g" \
    -e "s|{{\\.Info\\.CompanyName}}|$(sed_value "$(info companyName)")|g" \
    -e "s|{{\\.Info\\.ProductName}}|$(sed_value "$(info productName)")|g" \
    -e "s|{{\\.Info\\.Copyright}}|$(sed_value "$(info copyright)")|g" \
    -e "s|{{\\.Info\\.Comments}}|$(sed_value "$(info comments)")|g" \
    "$file")
  if [[ $out == *'{{'* ]]; then
    die "$file: a template field this script does not fill: $(grep -o '{{[^}]*}}' <<<"$out" | head -n1)"
  fi
  printf '%s\n' "$out"
}

# windows_syso writes OUT, a COFF object with peerline.exe's resources: the
# icon (as group icon 3, the ID Wails loads the window icon from), the
# manifest (build/windows/wails.exe.manifest) and the version info
# (build/windows/info.json), the same resources `wails build` embeds. OUT
# must be named *_windows_amd64.syso so that only windows/amd64 builds link it.
cmd_windows_syso() {
  local version=$1 out=$2 winver work
  [[ $out == *_windows_amd64.syso ]] || die "$out: name it *_windows_amd64.syso"
  [[ -n ${GO_WINRES:-} && -x $GO_WINRES ]] || die "go-winres not found (GO_WINRES=${GO_WINRES:-}); run scripts/install-deps.sh package"
  winver=$(win_version "$version")
  work=$DIST/windows-res
  rm -rf "$work"
  mkdir -p "$work"
  cp build/windows/icon.ico "$work/icon.ico"
  render build/windows/wails.exe.manifest "$version" "$winver" >"$work/peerline.exe.manifest"
  {
    printf '{\n  "RT_GROUP_ICON": { "#3": { "0000": "icon.ico" } },\n'
    printf '  "RT_MANIFEST": { "#1": { "0409": "peerline.exe.manifest" } },\n'
    printf '  "RT_VERSION": { "#1": { "0000": '
    render build/windows/info.json "$version" "$winver"
    printf '\n  } }\n}\n'
  } >"$work/winres.json"
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$work/winres.json" ||
    die "$work/winres.json is not valid JSON"
  "$GO_WINRES" make --in "$work/winres.json" --arch amd64 --out "$work/rsrc"
  mv "$work/rsrc_windows_amd64.syso" "$out"
}

# cmd_linux packages BINARY, which must be build/dist/linux-amd64/peerline:
# build/linux/nfpm.yaml takes the binary and the icons from there.
cmd_linux() {
  local version=$1 bin=$2 debver stage name s
  [[ $bin == "$DIST/linux-amd64/peerline" ]] || die "$bin: build the binary as $DIST/linux-amd64/peerline (build/linux/nfpm.yaml reads it there)"
  [[ -x $bin ]] || die "$bin: no such executable"
  [[ -n ${NFPM:-} && -x $NFPM ]] || die "nfpm not found (NFPM=${NFPM:-}); run scripts/install-deps.sh package"
  need convert "install ImageMagick (apt-get install imagemagick)"
  need desktop-file-validate "apt-get install desktop-file-utils"
  debver=$(deb_version "$version")
  stage=$(dirname "$bin")

  # A hint (several main categories and the like) is fine; errors and
  # warnings are not.
  local out
  out=$(desktop-file-validate build/linux/peerline.desktop 2>&1) || die "build/linux/peerline.desktop: $out"
  if grep -Eq 'error|warning' <<<"$out"; then die "build/linux/peerline.desktop: $out"; fi
  if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net build/linux/peerline.metainfo.xml >&2 ||
      die "build/linux/peerline.metainfo.xml does not validate"
  else
    log "appstreamcli not found: not validating build/linux/peerline.metainfo.xml"
  fi

  for s in "${ICON_SIZES[@]}"; do
    mkdir -p "$stage/icons/${s}x${s}"
    # -strip drops the timestamps ImageMagick writes, so the PNGs are reproducible.
    convert build/appicon.png -resize "${s}x${s}" -strip "PNG32:$stage/icons/${s}x${s}/peerline.png"
  done

  DEB_VERSION=$debver "$NFPM" package --config build/linux/nfpm.yaml --packager deb \
    --target "$DIST/peerline_${debver}_amd64.deb" >&2

  name=peerline-$version-linux-amd64
  rm -rf "${stage:?}"/peerline-*-linux-amd64
  mkdir -p "$stage/$name"
  install -m 0755 "$bin" "$stage/$name/peerline"
  install -m 0644 build/linux/peerline.desktop "$stage/$name/peerline.desktop"
  install -m 0644 "$stage/icons/512x512/peerline.png" "$stage/$name/peerline.png"
  install -m 0644 build/linux/README.txt "$stage/$name/README.txt"
  tar --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime="@${SOURCE_DATE_EPOCH:-0}" -C "$stage" -cf - "$name" |
    gzip -n -9 >"$DIST/$name.tar.gz"
  log "wrote $DIST/peerline_${debver}_amd64.deb and $DIST/$name.tar.gz"
}

cmd_nsis() {
  local version=$1 exe=$2 out=$3 winver wails_dir setup
  [[ -f $exe ]] || die "$exe: no such file (make build-windows)"
  need makensis "install NSIS 3 (Debian/Ubuntu: apt-get install nsis; scripts/install-deps.sh package does it)"
  winver=$(win_version "$version")
  # The WebView2 bootstrapper the installer runs when WebView2 is missing;
  # Wails ships it, and `wails build -nsis` puts it in the same place.
  wails_dir=$(go list -m -f '{{.Dir}}' "$WAILS_MODULE")
  setup=$wails_dir/internal/webview2runtime/MicrosoftEdgeWebview2Setup.exe
  [[ -f $setup ]] || die "$setup not found"
  mkdir -p build/windows/installer/tmp
  install -m 0644 "$setup" build/windows/installer/tmp/MicrosoftEdgeWebview2Setup.exe
  mkdir -p "$(dirname "$out")"
  # makensis runs in the script's directory: every path given is absolute.
  # NSIS_TARGET=amd64-unicode makes a 64-bit installer (scripts/check-package.sh
  # runs one under 64-bit-only Wine); releases use NSIS's default x86 stub.
  local target=()
  if [[ -n ${NSIS_TARGET:-} ]]; then target=("-XTarget $NSIS_TARGET"); fi
  makensis -V2 -INPUTCHARSET UTF8 "${target[@]}" \
    "-DARG_WAILS_AMD64_BINARY=$(realpath "$exe")" \
    "-DARG_OUTFILE=$(realpath -m "$out")" \
    "-DINFO_PROJECTNAME=peerline" \
    "-DINFO_COMPANYNAME=$(info companyName)" \
    "-DINFO_PRODUCTNAME=$(info productName)" \
    "-DINFO_PRODUCTVERSION=$winver" \
    "-DINFO_COPYRIGHT=$(info copyright)" \
    "-DARG_DISPLAY_VERSION=$version" \
    build/windows/installer/project.nsi >&2
  log "wrote $out"
}

main() {
  local cmd=${1:-}
  shift || true
  case $cmd in
  version) cmd_version ;;
  deb-version) deb_version "${1:?VERSION}" ;;
  win-version) win_version "${1:?VERSION}" ;;
  windows-syso) cmd_windows_syso "${1:?VERSION}" "${2:?OUT}" ;;
  linux) cmd_linux "${1:?VERSION}" "${2:?BINARY}" ;;
  nsis) cmd_nsis "${1:?VERSION}" "${2:?EXE}" "${3:?OUT}" ;;
  *) die "usage: $0 version|deb-version|win-version|windows-syso|linux|nsis ..." ;;
  esac
}

main "$@"
