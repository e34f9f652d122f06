#!/bin/sh
# Runs a test on a private D-Bus session bus in a throwaway HOME, so the
# operator's real keyring is never touched.
#   with-dbus.sh keyring TEST...   with an unlocked gnome-keyring (secrets only)
#   with-dbus.sh bare TEST...      with no Secret Service started
# Exits 77 (meson: skipped) when dbus-run-session or gnome-keyring is missing.
mode=$1
shift

if [ -n "$DC_TEST_DBUS_INNER" ]; then
  # On the private bus.
  unset DC_TEST_DBUS_INNER
  if [ "$mode" = keyring ]; then
    # --unlock reads the login password from stdin and creates an unlocked
    # "login" keyring in the throwaway HOME; it prints variables we ignore.
    printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 77
  fi
  "$@"
  status=$?
  if [ "$mode" = keyring ]; then
    # The daemon we started would outlive the bus for a moment: end it, by
    # the process id the bus knows for its name.
    pid=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.GetConnectionUnixProcessID org.gnome.keyring 2>/dev/null |
      sed -n 's/.*uint32 \([0-9]*\).*/\1/p')
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
  fi
  exit $status
fi

command -v dbus-run-session >/dev/null 2>&1 || { echo "no dbus-run-session"; exit 77; }
if [ "$mode" = keyring ]; then
  command -v gnome-keyring-daemon >/dev/null 2>&1 || { echo "no gnome-keyring-daemon"; exit 77; }
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/run" "$tmp/data" "$tmp/config" "$tmp/cache"
chmod 700 "$tmp/run"
export HOME="$tmp" XDG_RUNTIME_DIR="$tmp/run" XDG_DATA_HOME="$tmp/data"
export XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache"
unset DC_KEYRING DBUS_SESSION_BUS_ADDRESS
export DC_TEST_DBUS_MODE="$mode"
DC_TEST_DBUS_INNER=1 dbus-run-session -- "$0" "$mode" "$@"
