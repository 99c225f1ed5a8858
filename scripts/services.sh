#!/usr/bin/env bash
# Starts, stops and checks the five services as background processes of this checkout.
# Logs: .sightline/logs/<service>.log; pids: .sightline/run/<service>.pid.
#   scripts/services.sh start|stop|status <service>...
#   scripts/services.sh replay <service> [--from-offset N|--from-time ISO]   (stop, rewind its consumer group, start, wait)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOGS="$ROOT/.sightline/logs"
RUN="$ROOT/.sightline/run"
mkdir -p "$LOGS" "$RUN"
PG=postgresql://sightline:sightline@127.0.0.1:5433
# The runtime the repo pins (package.json: the npm package `node`, Node.js 24 LTS).
NODE="$ROOT/node_modules/.bin/node"
[[ -x "$NODE" ]] || { echo "services.sh: $NODE is missing; run make install" >&2; exit 1; }

port_of() {
  case "$1" in
    gateway) echo 8080 ;; ingest) echo 8081 ;; session-fingerprint) echo 8082 ;;
    bitmap-aggregator) echo 8083 ;; query) echo 8084 ;;
    *) echo "unknown service $1" >&2; exit 2 ;;
  esac
}

# The deployment's HMAC keys (docs/identity.md): made once, kept in .sightline/secrets.env (mode 600)
# so that every service and every restart uses the same ones. RAW_KEY_SECRET keys cookieless raw
# events (ingest); ERASURE_ID_SECRET keys erased ids (gateway and the three erasure consumers).
SECRETS="$ROOT/.sightline/secrets.env"
ensure_secrets() {
  [[ -s "$SECRETS" ]] && return 0
  ( umask 077
    "$NODE" -e 'const r = () => require("node:crypto").randomBytes(32).toString("hex");
      console.log(`RAW_KEY_SECRET=${r()}\nERASURE_ID_SECRET=${r()}`)' > "$SECRETS.tmp" )
  mv "$SECRETS.tmp" "$SECRETS"
}
secret_of() { grep "^$1=" "$SECRETS" | cut -d= -f2-; }

env_of() {
  local erasure="ERASURE_ID_SECRET=$(secret_of ERASURE_ID_SECRET)"
  case "$1" in
    ingest) echo "RAW_KEY_SECRET=$(secret_of RAW_KEY_SECRET)" ;;
    session-fingerprint) echo "DATABASE_URL=$PG/identity $erasure" ;;
    bitmap-aggregator) echo "$erasure" ;;
    query) echo "DATABASE_URL=$PG/events $erasure" ;;
    gateway) echo "DATABASE_URL=$PG/gateway INGEST_PUBLIC_URL=http://127.0.0.1:8081 $erasure" ;;
    *) echo "" ;;
  esac
}

running() {
  local pidfile="$RUN/$1.pid"
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

start_one() {
  local name=$1 port
  port=$(port_of "$name")
  ensure_secrets
  if running "$name"; then echo "$name: already running (pid $(cat "$RUN/$name.pid"))"; return 0; fi
  # shellcheck disable=SC2046
  env NODE_ENV=production PORT="$port" $(env_of "$name") \
    setsid nohup "$NODE" --enable-source-maps "$ROOT/services/$name/dist/main.js" >>"$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
}

wait_ready() {
  local name=$1 port deadline
  port=$(port_of "$name")
  deadline=$((SECONDS + 90))
  until curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    if ! running "$name"; then echo "$name: exited during start; last log lines:"; tail -n 30 "$LOGS/$name.log"; exit 1; fi
    if (( SECONDS > deadline )); then echo "$name: not ready after 90 s; last log lines:"; tail -n 30 "$LOGS/$name.log"; exit 1; fi
    sleep 0.5
  done
  echo "$name: ready on http://127.0.0.1:$port"
}

stop_one() {
  local name=$1 pid
  if ! running "$name"; then rm -f "$RUN/$name.pid"; echo "$name: not running"; return 0; fi
  pid=$(cat "$RUN/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$RUN/$name.pid"
  echo "$name: stopped"
}

cmd=${1:-}; shift || true
case "$cmd" in
  start)
    for s in "$@"; do start_one "$s"; done
    for s in "$@"; do wait_ready "$s"; done ;;
  stop)
    for s in "$@"; do stop_one "$s"; done ;;
  status)
    for s in "$@"; do
      if running "$s"; then echo "$s: up (pid $(cat "$RUN/$s.pid"), port $(port_of "$s"))"; else echo "$s: down"; fi
    done ;;
  replay)
    # Rewind with the sightline CLI (options after the service: --from-offset N | --from-time ISO),
    # then start the service and show its progress until it caught up.
    s=${1:?service}; shift
    stop_one "$s"
    "$NODE" "$ROOT/libs/cli/bin/sightline.js" replay "$s" "$@"
    start_one "$s"; wait_ready "$s"
    "$NODE" "$ROOT/libs/cli/bin/sightline.js" lag --group "sightline.$s" --wait ;;
  *) echo "usage: $0 start|stop|status|replay <service>..."; exit 2 ;;
esac
