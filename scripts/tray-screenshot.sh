#!/usr/bin/env bash
# Screenshot of the tray menu on a real StatusNotifierItem host: Xvfb,
# openbox and xfce4-panel (whose Status Tray plugin is a watcher and host)
# on a private session bus, the real Peerline window app, a click on its
# tray icon. Writes docs/screenshots/tray-menu.png (the menu) and
# tray-menu-dnd.png (its Do not disturb submenu open).
#   scripts/tray-screenshot.sh [path/to/peerline]   (default build/bin/peerline)
# Needs: xvfb openbox xfce4-panel xdotool imagemagick dbus-daemon.
set -euo pipefail
if [[ -z "${TRAY_SHOT_INNER:-}" ]]; then
  root=$(cd "$(dirname "$0")/.." && pwd)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/config/xfce4/xfconf/xfce-perchannel-xml"
  cp "$root/scripts/tray/xfce4-panel.xml" "$work/config/xfce4/xfconf/xfce-perchannel-xml/"
  # xfconfd is started by the bus: it must see this config dir.
  export XDG_CONFIG_HOME="$work/config" TRAY_SHOT_INNER=1 TRAY_SHOT_WORK="$work" TRAY_SHOT_ROOT="$root"
  exec dbus-run-session -- "$0" "${1:-$root/build/bin/peerline}"
fi
bin=$1 work=$TRAY_SHOT_WORK root=$TRAY_SHOT_ROOT
display=:$((90 + RANDOM % 9))
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
Xvfb "$display" -screen 0 1024x640x24 -nolisten tcp & pids+=($!)
export DISPLAY=$display
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
openbox & pids+=($!)
xfce4-panel --disable-wm-check & pids+=($!)
# The panel's tray plugin owns the watcher name once it is up.
for _ in $(seq 100); do
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.kde.StatusNotifierWatcher 2>/dev/null | grep -q true && break
  sleep 0.1
done
"$bin" --data-dir "$work/data" --name Ada --no-discovery > "$work/peerline.log" 2>&1 & pids+=($!)
# Wait for Peerline's item to be registered with the panel's watcher.
for _ in $(seq 100); do
  dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher \
    org.freedesktop.DBus.Properties.Get string:org.kde.StatusNotifierWatcher string:RegisteredStatusNotifierItems \
    2>/dev/null | grep -q StatusNotifierItem && break
  sleep 0.1
done
sleep 4 # the panel draws the icon and the window opens
dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher org.freedesktop.DBus.Properties.Get string:org.kde.StatusNotifierWatcher string:RegisteredStatusNotifierItems || true
# The tray plugin sits at the panel's right end; right-click its icon.
xdotool mousemove 1010 16 click 3
sleep 1
mkdir -p "$root/docs/screenshots"
import -window root "$root/docs/screenshots/tray-menu.png"
# Hover Do not disturb (the menu's second row) to open its submenu.
xdotool mousemove 920 75
sleep 1
import -window root "$root/docs/screenshots/tray-menu-dnd.png"
echo "wrote docs/screenshots/tray-menu.png, tray-menu-dnd.png"
grep -i tray "$work/peerline.log" || true
