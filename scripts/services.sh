#!/usr/bin/env bash
# Start the cluster-mode services on this machine (PostgreSQL + pgvector, Redis, RabbitMQ with
# its management plugin), each only if it is down. Idempotent; well under 2 s when all are up.
# Usage: scripts/services.sh [--check]   (--check: report only, exit 1 if anything is down)
set -uo pipefail  # no -e: each ensure_* reports its own failure and the others still run

PG_PORT=5432
REDIS_PORT=6379
AMQP_PORT=5672
RABBIT_MGMT_PORT=15672
CHECK_ONLY=0
PGVECTOR_WORK=""
[[ "${1:-}" == "--check" ]] && CHECK_ONLY=1

log() { printf 'services: %s\n' "$*" >&2; }

port_open() {
  # bash's /dev/tcp: no extra tool, returns in milliseconds.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_port() {  # wait_port PORT SECONDS NAME
  local deadline=$((SECONDS + $2))
  until port_open "$1"; do
    if ((SECONDS >= deadline)); then log "$3 did not open port $1 within $2 s"; return 1; fi
    sleep 0.2
  done
}

pg_version() { ls /etc/postgresql | sort -V | tail -n 1; }

ensure_postgres() {
  port_open "$PG_PORT" && return 0
  ((CHECK_ONLY)) && { log "postgresql is down"; return 1; }
  log "starting postgresql $(pg_version)"
  pg_ctlcluster --skip-systemctl-redirect "$(pg_version)" main start || return 1
  wait_port "$PG_PORT" 30 postgresql
}

ensure_redis() {
  port_open "$REDIS_PORT" && return 0
  ((CHECK_ONLY)) && { log "redis is down"; return 1; }
  log "starting redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    || return 1
  wait_port "$REDIS_PORT" 10 redis
}

management_enabled() { grep -q 'rabbitmq_management' /etc/rabbitmq/enabled_plugins 2>/dev/null; }

ensure_rabbitmq() {
  if port_open "$AMQP_PORT" && port_open "$RABBIT_MGMT_PORT"; then return 0; fi
  ((CHECK_ONLY)) && { log "rabbitmq (amqp $AMQP_PORT + management $RABBIT_MGMT_PORT) is down"; return 1; }
  if ! port_open "$AMQP_PORT"; then
    # --offline edits enabled_plugins without a running node, so one start brings both up.
    if ! management_enabled; then
      rabbitmq-plugins enable --offline rabbitmq_management >/dev/null || return 1
    fi
    log "starting rabbitmq"
    rabbitmq-server -detached || return 1
  elif ! management_enabled; then
    log "enabling rabbitmq_management"
    rabbitmq-plugins enable rabbitmq_management >/dev/null || return 1
  fi
  # The AMQP listener opens only once the node has finished booting (what await_startup
  # waits for, but await_startup fails if called before the node registers with epmd).
  wait_port "$AMQP_PORT" 60 rabbitmq
  wait_port "$RABBIT_MGMT_PORT" 30 rabbitmq-management
}

pgvector_available() {
  [[ -n "$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -XAtq \
    -c "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")" ]]
}

install_pgvector() {
  # Bookworm ships no pgvector; Debian's own source package (from trixie, built by
  # pg_buildext for any server version) compiles cleanly against postgresql-server-dev-15.
  # A private apt state keeps the machine's sources.list and package lists untouched.
  local ver work apt_opts
  ver="$(pg_version)"
  work="$(mktemp -d /tmp/nexus-pgvector.XXXXXX)"
  PGVECTOR_WORK="$work"
  trap 'rm -rf "$PGVECTOR_WORK"' EXIT
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
  printf 'deb-src http://deb.debian.org/debian %s main\n' bookworm-backports trixie \
    >"$work/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
    -o APT::Sandbox::User=root -qq)
  if ! dpkg -s "postgresql-server-dev-$ver" build-essential dpkg-dev >/dev/null 2>&1; then
    log "installing build dependencies for pgvector"
    DEBIAN_FRONTEND=noninteractive apt-get -qq update || return 1
    DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
      "postgresql-server-dev-$ver" build-essential dpkg-dev >/dev/null || return 1
  fi
  log "building pgvector from Debian's source package for PostgreSQL $ver"
  apt-get "${apt_opts[@]}" update || return 1
  (cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only pgvector 2>/dev/null \
    && dpkg-source -x --no-check ./*.dsc build >/dev/null) || return 1
  # OPTFLAGS="": no -march=native, so the library runs on any x86-64 host it is copied to.
  make -s -C "$work/src/build" -j"$(nproc)" OPTFLAGS="" \
    PG_CONFIG="/usr/lib/postgresql/$ver/bin/pg_config" >/dev/null 2>&1 || return 1
  make -s -C "$work/src/build" install PG_CONFIG="/usr/lib/postgresql/$ver/bin/pg_config" \
    >/dev/null || return 1
  log "pgvector $(cd "$work/src" && ls ./*.dsc | sed 's/.*pgvector_\(.*\)\.dsc/\1/') installed"
}

ensure_pgvector() {
  pgvector_available && return 0
  ((CHECK_ONLY)) && { log "pgvector is not installed"; return 1; }
  install_pgvector || { log "building pgvector failed"; return 1; }
  pgvector_available || { log "pgvector still unavailable after the build"; return 1; }
}

main() {
  local failed=0
  ensure_postgres || failed=1
  ensure_redis || failed=1
  ensure_rabbitmq || failed=1
  if ((failed == 0)); then ensure_pgvector || failed=1; fi
  ((failed == 0)) && log "all services up" || log "some services are down"
  return "$failed"
}

main
