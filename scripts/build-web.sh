#!/usr/bin/env bash
# Builds the studio (web/ -> web/dist) from the committed package-lock.json, only when the
# build is missing or stale: a stamp in web/dist holds the hash of everything it is built
# from (sources, lockfile, configs, docs/openapi.json). Needs Node 20+ and npm; without
# them it says so and leaves the API working (the server then explains how to build).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1; then
  echo "bootstrap: Node 20+ and npm are not installed: the studio (web/) is not built" >&2
  exit 0
fi
hash_of() {
  find "$@" -type f -print0 2>/dev/null | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64
}
lock_hash=$(hash_of web/package-lock.json web/package.json)
if [ ! -f web/node_modules/.nexus-lock ] || [ "$(cat web/node_modules/.nexus-lock)" != "$lock_hash" ]; then
  echo "bootstrap: installing the studio's npm packages (npm ci)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" > web/node_modules/.nexus-lock
fi
sources() {
  hash_of web/src web/public web/index.html web/vite.config.ts web/tsconfig.json \
    web/package-lock.json docs/openapi.json
}
if [ ! -f web/dist/.build-stamp ] || [ "$(cat web/dist/.build-stamp)" != "$(sources)" ]; then
  echo "bootstrap: building the studio (web/dist)"
  (cd web && npm run build --silent >/dev/null)
  # after the build: it regenerates src/api/schema.d.ts from docs/openapi.json
  sources > web/dist/.build-stamp
fi
