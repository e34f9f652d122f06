#!/bin/sh
# Double-click launch of an installed Dockclip, under Xvfb:
#   1. `meson install` of this build into a temporary folder (DESTDIR);
#   2. the installed .desktop file's Exec= is the absolute path of the
#      installed binary (prefix/bin/dockclip), StartupWMClass is there, and
#      the helper programs are in libexecdir, not bin;
#   3. `gio launch` of that .desktop file with a PATH that does not hold the
#      prefix (as ~/.local/bin before the next login): the Dockclip window
#      appears with the WM_CLASS the .desktop file names; then it is closed.
# DESTDIR puts the files under a temporary folder, so for step 3 the Exec
# path gets that folder in front of it, and nothing else changes.
# Usage: test-launch.sh BUILD_DIR PREFIX BINDIR LIBEXECDIR
set -u
build=$1 prefix=$2 bindir=$3 libexecdir=$4
app_id=io.github.dockclip.Dockclip

fail() { echo "FAIL: $*"; exit 1; }
for tool in gio xwininfo dbus-run-session; do
  command -v $tool >/dev/null 2>&1 || fail "$tool is missing (tools/install-deps --test installs it)"
done
[ -n "${DISPLAY:-}" ] || fail "no X display (run under xvfb-run)"

if [ -z "${DC_TEST_LAUNCH_INNER:-}" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  meson install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; fail "meson install failed"; }
  mkdir -p "$tmp/home"
  # a private session bus: the app registers its name there, not on a
  # developer's desktop
  DC_TEST_LAUNCH_INNER=$tmp dbus-run-session -- "$0" "$@"
  exit $?
fi

tmp=$DC_TEST_LAUNCH_INNER
root=$tmp/root
case $bindir in /*) ;; *) bindir=$prefix/$bindir ;; esac
case $libexecdir in /*) ;; *) libexecdir=$prefix/$libexecdir ;; esac
desktop=$root$prefix/share/applications/$app_id.desktop

[ -f "$desktop" ] || fail "no $desktop"
exec_line=$(sed -n 's/^Exec=//p' "$desktop")
[ "$exec_line" = "$bindir/dockclip %F" ] || fail "Exec=$exec_line, expected $bindir/dockclip %F"
grep -qx 'StartupWMClass=dockclip' "$desktop" || fail "no StartupWMClass=dockclip"
[ -x "$root$bindir/dockclip" ] || fail "no $bindir/dockclip"
for helper in dockclip-xls-reader dockclip-dvr-sim; do
  [ -x "$root$libexecdir/$helper" ] || fail "$helper is not in $libexecdir"
  [ ! -e "$root$bindir/$helper" ] || fail "$helper is in $bindir (helpers belong in libexecdir)"
done
command -v desktop-file-validate >/dev/null 2>&1 && { desktop-file-validate "$desktop" || fail "invalid .desktop"; }

# The same file with the DESTDIR in front of the binary's path.
sed "s|^Exec=$bindir/|Exec=$root$bindir/|" "$desktop" >"$tmp/$app_id.desktop"
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_DATA_HOME=$tmp/home/.local/share
export XDG_STATE_HOME=$tmp/home/.local/state XDG_CACHE_HOME=$tmp/home/.cache
export PATH=/usr/bin:/bin DC_KEYRING=off GSETTINGS_BACKEND=memory
# an ASan build: the app's exit is not what this test looks at
export ASAN_OPTIONS=detect_leaks=0
case ":$PATH:" in *":$root$bindir:"*|*":$bindir:"*) fail "PATH holds the prefix" ;; esac

gio launch "$tmp/$app_id.desktop" >"$tmp/launch.log" 2>&1 || { cat "$tmp/launch.log"; fail "gio launch failed"; }
found=""
i=0
while [ $i -lt 150 ]; do   # up to 30 s on a busy machine
  # mapped at its size, not the 1x1 of a window still being set up
  found=$(xwininfo -root -tree 2>/dev/null | grep '"Dockclip": ("dockclip" "dockclip")' |
          grep -v ' 1x1+')
  [ -n "$found" ] && break
  sleep 0.2
  i=$((i + 1))
done
pid=$(pgrep -f "^$root$bindir/dockclip" | head -n 1)
[ -n "$found" ] || { cat "$tmp/launch.log"; [ -n "$pid" ] && kill "$pid"; fail "no Dockclip window appeared"; }
echo "window: $found"
[ -n "$pid" ] || fail "the window is there but not from $root$bindir/dockclip"
kill "$pid"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$pid" 2>/dev/null && { kill -9 "$pid"; fail "dockclip did not quit on SIGTERM"; }
echo "ok: launched from the installed .desktop file without the prefix on PATH, then closed"
exit 0
