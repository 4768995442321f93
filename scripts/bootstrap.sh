#!/usr/bin/env bash
# Installs what Nexus needs on a fresh Debian 12 machine: Debian packages (ffmpeg for ffprobe,
# espeak-ng for Mandarin TTS, Noto CJK fonts, chromium for the studio's browser tests, prometheus
# for promtool, which checks and unit-tests the alert rules), uv,
# the locked Python environment, and the built studio (web/dist) when it is missing or stale.
# Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(ffmpeg espeak-ng fonts-noto-cjk chromium prometheus bubblewrap)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv"
  python3 -m pip install --quiet uv
fi
uv sync --frozen --quiet
bash scripts/build-web.sh
