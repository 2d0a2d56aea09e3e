#!/usr/bin/env bash
# Install the browser of the app's real-browser test: Debian's chromium + chromium-driver
# (one source package, so their versions match). Idempotent: a no-op when both exist.
# Needs root (apt-get); as another user it says what to run. CHROMIUM / CHROMEDRIVER
# override the paths the test uses (default /usr/bin/chromium, /usr/bin/chromedriver).
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
if [[ -x "$CHROMIUM" && -x "$CHROMEDRIVER" ]]; then
    echo "[setup_browser] $("$CHROMIUM" --version 2>/dev/null | head -1) + chromedriver present"
    exit 0
fi
if [[ "$(id -u)" != 0 ]]; then
    echo "setup_browser: expected $CHROMIUM and $CHROMEDRIVER; as root run:" \
         "apt-get update && apt-get install -y chromium chromium-driver" >&2
    exit 2
fi
echo "[setup_browser] apt-get install chromium chromium-driver"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
"$CHROMIUM" --version
