#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need (Debian redis-server and chromium,
# npm dependencies) when missing, then lints, checks formatting, type-checks, runs Jest (unit, the package's e2e,
# and the app's e2e once per HTTP adapter: projects e2e on Express, e2e-fastify on Fastify), checks the
# package's API report and runs the consumer tests (the packed package in a Nest 12 ESM app and a Nest 11 CommonJS app).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
# redis-cli creates the Redis Cluster of the cluster tests; Debian's redis-server brings it (redis-tools).
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} (Debian packages)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -d node_modules ] || npm ci
# Lint (ESLint, zero warnings) and formatting (Prettier) before the slower steps.
npm run lint
npm run format:check
npm run typecheck
# Every Jest project: unit, e2e (Express) and e2e-fastify.
npm test
# The package's public API against its checked-in report (packages/nestjs-wristband/etc/).
npm run api:check
# `npm pack`, then two apps outside the repository install the tarball and are tested over real HTTP.
npm run test:consumers
