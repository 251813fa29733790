#!/usr/bin/env bash
# The library kiosk: Chromium full screen on Doorstep's kiosk page, started at login
# (doorstep-kiosk.desktop) and started again whenever it closes. See deploy/README.md.
#
# Set DOORSTEP_KIOSK_URL to your server, e.g. https://doorstep.example.org/kiosk/ (and
# the same host in /etc/chromium/policies/managed/doorstep-kiosk.json).
#
# Why no --incognito: staff register a kiosk once, and the kiosk proves it is registered
# with a long-lived cookie. Incognito would forget it at every restart. Instead this
# profile keeps that cookie and nothing about residents: Doorstep's pages are no-store,
# its idle reset clears the screen, session and storage, and the managed policy saves no
# history, passwords or form entries and clears the rest when idle and on exit.
set -euo pipefail

url="${DOORSTEP_KIOSK_URL:-https://doorstep.example.org/kiosk/}"
profile="${DOORSTEP_KIOSK_PROFILE:-$HOME/.config/doorstep-kiosk}"
browser="${DOORSTEP_KIOSK_BROWSER:-$(command -v chromium || command -v chromium-browser \
  || command -v google-chrome || true)}"
if [ -z "$browser" ]; then
  echo "doorstep-kiosk: Chromium is not installed (apt install chromium)" >&2
  exit 1
fi
mkdir -p "$profile"

# Keep the screen on (X11). On Wayland, switch off blanking in the desktop's settings.
if [ -n "${DISPLAY:-}" ] && command -v xset >/dev/null; then
  xset s off s noblank -dpms || true
fi

flags=(
  --kiosk "$url"                       # full screen, no address bar, no way out by touch
  --user-data-dir="$profile"           # its own profile: the kiosk cookie and nothing else
  --no-first-run                       # no welcome pages
  --no-default-browser-check
  --noerrdialogs
  --disable-session-crashed-bubble     # no "restore pages?" after a power cut
  --hide-crash-restore-bubble
  --disable-pinch                      # no pinch zoom
  --overscroll-history-navigation=0    # no swipe back/forward
  --disable-features=Translate,TouchpadOverscrollHistoryNavigation,OverscrollHistoryNavigation
  --password-store=basic               # never ask for a keyring password
  --check-for-update-interval=31536000 # updates come from the OS packages
  --enable-speech-dispatcher           # "Read aloud" voices from speech-dispatcher/espeak-ng
)

while true; do
  # After a power cut Chromium remembers it did not exit cleanly and offers to restore
  # pages; tell it the last exit was normal.
  prefs="$profile/Default/Preferences"
  if [ -f "$prefs" ]; then
    sed -i -e 's/"exited_cleanly":false/"exited_cleanly":true/' \
      -e 's/"exit_type":"[^"]*"/"exit_type":"Normal"/' "$prefs"
  fi
  "$browser" "${flags[@]}" || true
  sleep 2  # closed or crashed: start again
done
