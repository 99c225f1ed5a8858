# shellcheck shell=bash
# Shared helpers for the Sightline local infrastructure scripts (infra/*/start|stop|status).
#
# Usage, at the top of a script that lives in infra/<part>/:
#   ROOT=$(cd "$(dirname "$0")/../.." && pwd)
#   . "$ROOT/infra/lib.sh"
#
# Everything at run time lives under $ROOT/.sightline/ (git-ignored):
#   data/<part>   persistent data        logs/<part>.log   logs
#   run/<part>.pid pid files, locks      conf/<part>/      generated config files
# Sourcing this file has no side effects besides defining variables and functions.

if [[ -z "${ROOT:-}" ]]; then
  ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
# SIGHTLINE_HOME moves the runtime tree (a second broker of the same checkout, e.g. for development
# beside a running one); the Kafka jars stay in the checkout's .sightline either way.
SL_HOME="${SIGHTLINE_HOME:-$ROOT/.sightline}"
SL_DATA="$SL_HOME/data"
SL_LOGS="$SL_HOME/logs"
SL_RUN="$SL_HOME/run"
SL_CONF="$SL_HOME/conf"
# Machine-wide lock serialising every apt-get/dpkg call made by these scripts (dpkg has one lock).
SL_APT_LOCK=/var/lock/sightline-apt.lock
# A short, stable id of this checkout (used for things that must live outside the repo).
SL_ROOT_HASH=$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
export DEBIAN_FRONTEND=noninteractive

sl_say() { printf '%s\n' "${SL_PART:+$SL_PART: }$*"; }
sl_warn() { printf '%s\n' "${SL_PART:+$SL_PART: }WARNING: $*" >&2; }
sl_die() {
  printf '%s\n' "${SL_PART:+$SL_PART: }ERROR: $*" >&2
  exit 1
}

# Create the runtime tree; world-traversable so that service users (postgres) can reach it.
sl_init_dirs() {
  mkdir -p "$SL_DATA" "$SL_LOGS" "$SL_RUN" "$SL_CONF"
  chmod 755 "$SL_HOME" "$SL_DATA" "$SL_LOGS" "$SL_RUN" "$SL_CONF"
}

# Re-run the calling script while holding an exclusive per-part lock, so that two concurrent
# start/stop calls of the same part are serialised. `flock -o` keeps the lock in the flock
# process only: daemons started by the script do not inherit the lock descriptor.
# Call as: sl_with_lock <name> "$@"   (near the top of the script, before doing anything)
sl_with_lock() {
  local name=$1
  shift
  if [[ "${SL_LOCK_HELD:-}" == "$name" ]]; then return 0; fi
  sl_init_dirs
  command -v flock >/dev/null 2>&1 || return 0 # util-linux is always on Debian; be lenient
  SL_LOCK_HELD="$name" exec flock -o -w 900 "$SL_RUN/$name.lock" bash "$0" "$@"
}

# ---------------------------------------------------------------------------------------------
# processes

# Print the pid stored in a pid file (nothing if the file is missing or garbage).
sl_pid_read() {
  local f=$1 pid
  [[ -f "$f" ]] || return 0
  pid=$(head -n1 "$f" 2>/dev/null | tr -dc '0-9') || true
  [[ -n "$pid" ]] && printf '%s\n' "$pid"
  return 0
}

# Process state letter of pid (R, S, D, Z, ...), empty when it does not exist. No subprocess.
sl_pid_state() {
  local line
  { IFS= read -r line <"/proc/$1/stat"; } 2>/dev/null || return 0
  line=${line##*) }
  printf '%s\n' "${line%% *}"
}

# True when pid is alive (and not a zombie) and its command line contains every given pattern.
sl_pid_matches() {
  local pid=$1 cmd state p
  shift
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state=$(sl_pid_state "$pid")
  [[ -n "$state" && "$state" != Z && "$state" != X ]] || return 1
  local args=()
  { mapfile -d '' args <"/proc/$pid/cmdline"; } 2>/dev/null || return 1
  cmd="${args[*]}"
  for p in "$@"; do
    [[ "$cmd" == *"$p"* ]] || return 1
  done
  return 0
}

# Print pids of processes whose command line contains every given pattern (scans /proc; no pkill).
sl_find_pids() {
  local d pid
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    if sl_pid_matches "$pid" "$@"; then printf '%s\n' "$pid"; fi
  done
  return 0
}

# Wait until pid exits; returns 1 after timeout seconds.
sl_wait_exit() {
  local pid=$1 timeout=$2 i
  for ((i = 0; i < timeout * 5; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    [[ "$(sl_pid_state "$pid")" == Z ]] && return 0
    sleep 0.2
  done
  return 1
}

# Graceful stop: SIGTERM, wait up to timeout s, then SIGKILL.
sl_terminate() {
  local pid=$1 timeout=${2:-30} what=${3:-process}
  kill -0 "$pid" 2>/dev/null || return 0
  sl_say "stopping $what (pid $pid, SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! sl_wait_exit "$pid" "$timeout"; then
    sl_warn "$what (pid $pid) still alive after ${timeout}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sl_wait_exit "$pid" 10 || sl_die "could not kill pid $pid"
  fi
}

# Start a long-running foreground command as a detached daemon (own session, stdin from
# /dev/null, stdout+stderr appended to logfile) and write its pid to pidfile.
# Usage: sl_spawn <pidfile> <logfile> cmd args...
sl_spawn() {
  local pidfile=$1 logfile=$2
  shift 2
  rm -f "$pidfile"
  # the child writes its own pid before exec-ing the command: exact even under setsid/nohup
  # shellcheck disable=SC2016
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  sl_die "daemon did not start (no pid file $pidfile); see $logfile"
}

# ---------------------------------------------------------------------------------------------
# network

sl_port_open() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# Describe who listens on a TCP port (best effort; needs ss from iproute2).
sl_port_owner() {
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n1
}

# When the port is already served by a healthy instance of the same part that another checkout
# of this project started (a developer's running stack while a fresh clone runs `make test`),
# use it instead of failing: the fixed ports are the contract, not the process. Exits 0 then.
sl_reuse_if_serving() { # port what check-command...
  local port=$1 what=$2
  shift 2
  if sl_port_open 127.0.0.1 "$port" && "$@"; then
    sl_say "up (reusing the $what already serving port $port, started outside $ROOT)"
    exit 0
  fi
}

# Fail when something that is not ours already listens on the port.
sl_require_free_port() { # port what
  local port=$1 what=$2
  if sl_port_open 127.0.0.1 "$port"; then
    sl_die "port $port ($what) is already in use by another process: $(sl_port_owner "$port")." \
      "Stop it (it is not managed from $ROOT) and run this again."
  fi
}

# ---------------------------------------------------------------------------------------------
# packages

# Install Debian packages. All apt-get calls of these scripts are serialised by a machine-wide
# lock (several parts may install at the same time, e.g. from infra/up) and wait for dpkg's
# own lock too. `apt-get update` runs first when the package lists are empty, and again when
# an install fails (stale lists). Services shipped by the packages are not started during the
# install (policy-rc.d), since we run our own instances.
# Usage: sl_apt_install [--no-install-recommends] pkg...
sl_apt_install() {
  local opts=() pkgs=() a
  for a in "$@"; do
    if [[ "$a" == --* ]]; then opts+=("$a"); else pkgs+=("$a"); fi
  done
  ((${#pkgs[@]})) || return 0
  local fd policy_created=0 rc=0
  exec {fd}>>"$SL_APT_LOCK"
  sl_say "waiting for the apt lock to install: ${pkgs[*]}"
  flock -w 1800 "$fd" || sl_die "timed out waiting for $SL_APT_LOCK"
  # the lock fd is closed for every child (…{fd}>&-) so that nothing started by dpkg keeps it
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# temporary, written by sightline infra/lib.sh\nexit 101\n' >/usr/sbin/policy-rc.d {fd}>&-
    chmod 755 /usr/sbin/policy-rc.d
    policy_created=1
  fi
  local apt=(apt-get -q -y -o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  local alog="$SL_LOGS/apt.log"
  mkdir -p "$SL_LOGS"
  echo "===== $(date -Is) ${SL_PART:-infra}: ${pkgs[*]} =====" >>"$alog"
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    sl_say "apt-get update"
    "${apt[@]}" update >>"$alog" 2>&1 {fd}>&- || rc=$?
  fi
  sl_say "apt-get install ${pkgs[*]} (output: $alog)"
  if ! "${apt[@]}" install "${opts[@]}" "${pkgs[@]}" >>"$alog" 2>&1 {fd}>&-; then
    sl_say "install failed; running apt-get update and retrying"
    rc=0
    "${apt[@]}" update >>"$alog" 2>&1 {fd}>&- || true
    "${apt[@]}" install "${opts[@]}" "${pkgs[@]}" >>"$alog" 2>&1 {fd}>&- || rc=$?
  fi
  if ((policy_created)); then rm -f /usr/sbin/policy-rc.d; fi
  exec {fd}>&-
  if ((rc != 0)); then
    tail -n 30 "$alog" >&2
    sl_die "apt-get install ${pkgs[*]} failed (see $alog)"
  fi
}

# Install the named package when the file is missing: sl_need_file /usr/bin/x pkg [apt opts]
sl_need_file() {
  local file=$1
  shift
  [[ -e "$file" ]] && return 0
  sl_apt_install "$@"
  [[ -e "$file" ]] || sl_die "$file still missing after installing $*"
}

# Stop and disable a Debian-managed system service that a package may have started (we run our
# own instances on other ports). Never fails.
sl_disable_system_service() {
  local svc=$1
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  else
    if [[ -x "/etc/init.d/$svc" ]]; then
      "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
    fi
    if command -v update-rc.d >/dev/null 2>&1; then update-rc.d "$svc" disable >/dev/null 2>&1 || true; fi
  fi
  return 0
}

# ---------------------------------------------------------------------------------------------
# Kafka helpers (also handy for people: `. infra/lib.sh; sl_kafka_tool org.apache.kafka.tools.TopicCommand ...`)

SL_KAFKA_LIBS="$ROOT/.sightline/kafka-libs"
# Ports of the single broker: client (SASL_PLAINTEXT) and controller listener.
SL_KAFKA_PORT=${SIGHTLINE_KAFKA_PORT:-9092}
SL_KAFKA_CONTROLLER_PORT=${SIGHTLINE_KAFKA_CONTROLLER_PORT:-9093}
SL_KAFKA_BOOTSTRAP=127.0.0.1:$SL_KAFKA_PORT
# SASL/SCRAM credentials of the broker's principals (docs/security.md "Kafka credentials and
# ACLs"): <principal>.env (KAFKA_SASL_MECHANISM/USERNAME/PASSWORD) per principal, admin.properties
# (PLAIN) and admin-scram.properties for the Java tools. Generated on the first start, mode 600
# in a mode-700 directory.
SL_KAFKA_CREDS="$SL_HOME/kafka-credentials"
SL_KAFKA_MECHANISM=SCRAM-SHA-512
# The super user (topic creation, ACLs, the CLI, tests) and one principal per service.
SL_KAFKA_PRINCIPALS=(admin ingest session-fingerprint bitmap-aggregator query gateway)

# Run a Kafka command-line class from the jars fetched by infra/kafka/start, quietly logged.
# Java, and the Kafka jars from Maven Central (infra/kafka/pom.xml) in $SL_KAFKA_LIBS: fetched
# once, again only when pom.xml changed. Used by infra/kafka/start and infra/kafka-cluster/start.
sl_kafka_jars() {
  local POM="$ROOT/infra/kafka/pom.xml" pom_sum t0 tmp
  if ! command -v java >/dev/null 2>&1; then sl_apt_install --no-install-recommends openjdk-17-jre-headless; fi
  if ! command -v mvn >/dev/null 2>&1 && [[ ! -f "$SL_KAFKA_LIBS/.complete" ]]; then
    sl_apt_install --no-install-recommends maven
  fi

  pom_sum=$(sha256sum "$POM" | cut -d' ' -f1)
  if [[ "$(cat "$SL_KAFKA_LIBS/.complete" 2>/dev/null || true)" != "$pom_sum" ]]; then
    sl_say "fetching Kafka jars with Maven into $SL_KAFKA_LIBS (first run only)"
    t0=$SECONDS
    tmp="$SL_KAFKA_LIBS.tmp.$$"
    rm -rf "$tmp"
    # (sed: Debian's Maven 3.8.7 prints stray ANSI resets even in batch mode)
    mvn -q -B -Dstyle.color=never -f "$POM" -Dmaven.wagon.http.retryHandler.count=3 \
      dependency:copy-dependencies -DoutputDirectory="$tmp" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' ||
      { rm -rf "$tmp"; sl_die "mvn dependency:copy-dependencies failed"; }
    ls "$tmp"/kafka_2.13-*.jar "$tmp"/slf4j-reload4j-*.jar >/dev/null 2>&1 ||
      { rm -rf "$tmp"; sl_die "Kafka or slf4j binding jar missing after mvn"; }
    echo "$pom_sum" >"$tmp/.complete"
    rm -rf "$SL_KAFKA_LIBS"
    mv "$tmp" "$SL_KAFKA_LIBS"
    sl_say "jars ready ($(find "$SL_KAFKA_LIBS" -name '*.jar' | wc -l) jars, $((SECONDS - t0))s)"
  fi
}

sl_kafka_tool() {
  local cls=$1
  shift
  [[ -f "$SL_KAFKA_LIBS/.complete" ]] || sl_die "Kafka jars missing; run infra/kafka/start first"
  mkdir -p "$SL_CONF/kafka"
  if [[ ! -f "$SL_CONF/kafka/tools-log4j.properties" ]]; then
    cat >"$SL_CONF/kafka/tools-log4j.properties" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
EOF
  fi
  local pre=()
  if [[ -n "${SL_TOOL_TIMEOUT:-}" ]]; then pre=(timeout "$SL_TOOL_TIMEOUT"); fi
  "${pre[@]}" java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$SL_CONF/kafka/tools-log4j.properties" \
    -cp "$SL_KAFKA_LIBS/*" "$cls" "$@"
}

SL_KAFKA_PIDFILE="$SL_RUN/kafka.pid"
SL_KAFKA_PROPS="$SL_CONF/kafka/server.properties"

# Pid of our broker (empty when not running).
sl_kafka_pid() {
  local pid
  pid=$(sl_pid_read "$SL_KAFKA_PIDFILE")
  if [[ -n "$pid" ]] && sl_pid_matches "$pid" kafka.Kafka "$SL_KAFKA_PROPS"; then
    printf '%s\n' "$pid"
    return 0
  fi
  # pid file lost (or stale): look for a broker started with our config file
  sl_find_pids kafka.Kafka "$SL_KAFKA_PROPS" | head -n1
}

# A password of 32 letters and digits (safe inside JAAS quotes and .env files).
sl_kafka_password() {
  local p=""
  while ((${#p} < 32)); do p+=$(head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9'); done
  printf '%s\n' "${p:0:32}"
}

# Value of KEY in a principal's credentials file.
sl_kafka_cred() { # principal key
  sed -n "s/^$2=//p" "$SL_KAFKA_CREDS/$1.env" | head -n1
}

# Write the credentials files that are missing (an existing password is kept), and the Java
# tools' client properties of the admin.
sl_kafka_credentials() {
  local p
  (umask 077 && mkdir -p "$SL_KAFKA_CREDS")
  chmod 700 "$SL_KAFKA_CREDS"
  for p in "${SL_KAFKA_PRINCIPALS[@]}"; do
    [[ -s "$SL_KAFKA_CREDS/$p.env" ]] && continue
    (umask 077 && printf 'KAFKA_SASL_MECHANISM=%s\nKAFKA_SASL_USERNAME=%s\nKAFKA_SASL_PASSWORD=%s\n' \
      "$SL_KAFKA_MECHANISM" "$p" "$(sl_kafka_password)" >"$SL_KAFKA_CREDS/$p.env.tmp")
    mv "$SL_KAFKA_CREDS/$p.env.tmp" "$SL_KAFKA_CREDS/$p.env"
  done
  (umask 077 && sl_kafka_client_properties admin plain >"$SL_KAFKA_CREDS/admin.properties.tmp" &&
    sl_kafka_client_properties admin >"$SL_KAFKA_CREDS/admin-scram.properties.tmp")
  mv "$SL_KAFKA_CREDS/admin.properties.tmp" "$SL_KAFKA_CREDS/admin.properties"
  mv "$SL_KAFKA_CREDS/admin-scram.properties.tmp" "$SL_KAFKA_CREDS/admin-scram.properties"
}

# Java client properties of a principal (SASL_PLAINTEXT) on stdout: SCRAM, or with `plain` the
# admin's static PLAIN login (what the scripts use: it works before any SCRAM user exists).
sl_kafka_client_properties() { # principal [plain]
  local user pass
  user=$(sl_kafka_cred "$1" KAFKA_SASL_USERNAME)
  pass=$(sl_kafka_cred "$1" KAFKA_SASL_PASSWORD)
  if [[ "${2:-}" == plain ]]; then
    printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="%s" password="%s";\n' "$user" "$pass"
  else
    printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=%s\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";\n' "$SL_KAFKA_MECHANISM" "$user" "$pass"
  fi
  printf 'request.timeout.ms=5000\ndefault.api.timeout.ms=10000\n'
}

# True when a SCRAM user logs in (the admin's SCRAM login lists the topics); the single broker
# unless a bootstrap list is given (the cluster of infra/kafka-cluster).
sl_kafka_scram_ok() { # [bootstrap]
  SL_TOOL_TIMEOUT=40 sl_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "${1:-$SL_KAFKA_BOOTSTRAP}" \
    --command-config "$SL_KAFKA_CREDS/admin-scram.properties" --list >/dev/null 2>&1
}

# The authentication and authorization part of a broker's server.properties (the single broker
# and each node of the cluster), on stdout: SCRAM for clients on the SASL_PLAINTEXT listener,
# PLAIN for the admin alone there and on the controller listener, the ACL authorizer.
sl_kafka_sasl_server_properties() { # admin-password
  cat <<EOF
# Authentication: SCRAM for clients (users live in the cluster metadata, added at format time
# or with kafka-configs); PLAIN for the admin alone (a static user, so the broker itself, these
# scripts and the controller listener never depend on the SCRAM users: KRaft controllers cannot
# use SCRAM, they authenticate before the metadata is loaded).
sasl.enabled.mechanisms=$SL_KAFKA_MECHANISM,PLAIN
sasl.mechanism.inter.broker.protocol=PLAIN
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$1" user_admin="$1";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$1" user_admin="$1";

# Authorization: Kafka's own ACLs; nothing is allowed without one; admin may do everything.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin
EOF
}

# The --add-scram arguments of kafka-storage format, one a line: every principal with its password.
sl_kafka_scram_format_args() {
  local p
  for p in "${SL_KAFKA_PRINCIPALS[@]}"; do
    printf '%s\n' --add-scram "$SL_KAFKA_MECHANISM=[name=$p,password=$(sl_kafka_cred "$p" KAFKA_SASL_PASSWORD)]"
  done
}

# Create or update SCRAM users with their passwords of the credentials directory, through the
# admin's PLAIN login, retrying for up to timeout seconds; each is then listed in the users file
# (the principals a log holds).
sl_kafka_upsert_users() { # bootstrap users-file log timeout principal...
  local bootstrap=$1 users=$2 log=$3 deadline=$((SECONDS + $4)) p
  shift 4
  for p in "$@"; do
    until SL_TOOL_TIMEOUT=40 sl_kafka_tool kafka.admin.ConfigCommand --bootstrap-server "$bootstrap" \
      --command-config "$SL_KAFKA_CREDS/admin.properties" --alter --entity-type users --entity-name "$p" \
      --add-config "$SL_KAFKA_MECHANISM=[password=$(sl_kafka_cred "$p" KAFKA_SASL_PASSWORD)]" >>"$log" 2>&1; do
      ((SECONDS < deadline)) || sl_die "could not set the SCRAM user $p (see $log)"
      sleep 2
    done
    grep -qx "$p" "$users" 2>/dev/null || echo "$p" >>"$users"
  done
}

# The principals whose SCRAM credentials a log does not hold yet (not in its users file), one a line.
sl_kafka_missing_users() { # users-file
  local p
  for p in "${SL_KAFKA_PRINCIPALS[@]}"; do grep -qx "$p" "$1" 2>/dev/null || echo "$p"; done
  return 0
}

# Healthy = our broker process is alive, 9092 accepts connections and a metadata request
# (TopicCommand --list) answers.
sl_kafka_healthy() {
  local pid=${1:-$(sl_kafka_pid)}
  [[ -n "$pid" ]] || return 1
  sl_kafka_answers
}

# The broker on the client port answers a metadata request as our admin (whoever started it).
sl_kafka_answers() {
  sl_port_open 127.0.0.1 "$SL_KAFKA_PORT" || return 1
  [[ -f "$SL_KAFKA_LIBS/.complete" ]] || return 1
  local props="$SL_KAFKA_CREDS/admin.properties"
  if [[ ! -f "$props" ]]; then # a broker started before SASL (PLAINTEXT)
    props="$SL_CONF/kafka/plaintext-admin.properties"
    mkdir -p "$SL_CONF/kafka"
    printf 'request.timeout.ms=5000\ndefault.api.timeout.ms=10000\n' >"$props"
  fi
  SL_TOOL_TIMEOUT=40 sl_kafka_tool org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$SL_KAFKA_BOOTSTRAP" --command-config "$props" --list >/dev/null 2>&1 && return 0
  # a broker started by an earlier version of infra/kafka/start takes the admin over SCRAM only
  [[ -f "$SL_KAFKA_CREDS/admin-scram.properties" ]] || return 1
  SL_TOOL_TIMEOUT=40 sl_kafka_tool org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$SL_KAFKA_BOOTSTRAP" --command-config "$SL_KAFKA_CREDS/admin-scram.properties" --list >/dev/null 2>&1
}

# The runtime tree (.sightline) of the checkout whose broker listens on the client port, when
# that broker was started from another checkout (its config path names it); nothing otherwise.
sl_kafka_serving_home() {
  local pid conf
  for pid in $(sl_find_pids kafka.Kafka server.properties); do
    conf=$(tr '\0' '\n' <"/proc/$pid/cmdline" | grep 'server.properties$' | tail -n1) || continue
    [[ -f "$conf" ]] && grep -q "^listeners=.*127.0.0.1:$SL_KAFKA_PORT[,]*" "$conf" || continue
    printf '%s\n' "${conf%/conf/kafka/server.properties}"
    return 0
  done
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL helpers

SL_PG_PORT=5433
SL_PG_PIDFILE="$SL_RUN/postgres.pid"
# Used when the OS user `postgres` cannot traverse the checkout (e.g. a clone under a mode-0700
# directory): the cluster then lives here, and .sightline/data/postgres is a symlink to it.
SL_PG_FALLBACK_BASE="/var/lib/sightline/$SL_ROOT_HASH"

# Directory holding postgres/initdb/pg_ctl: the one matching an existing cluster, else 15, else
# the newest installed. Prints nothing when none is installed.
sl_pg_bindir() {
  local ver=""
  [[ -n "${SL_PGDATA:-}" && -f "$SL_PGDATA/PG_VERSION" ]] && ver=$(cat "$SL_PGDATA/PG_VERSION" 2>/dev/null || true)
  if [[ -n "$ver" ]]; then
    [[ -x "/usr/lib/postgresql/$ver/bin/postgres" ]] && echo "/usr/lib/postgresql/$ver/bin"
    return 0
  fi
  if [[ -x /usr/lib/postgresql/15/bin/postgres ]]; then
    echo /usr/lib/postgresql/15/bin
    return 0
  fi
  local b
  b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1) || true
  [[ -n "$b" && -x "$b/postgres" ]] && echo "$b"
  return 0
}

# Sets SL_PGDATA (cluster dir), SL_PG_MODE (repo|fallback|none) and SL_PG_SOCKDIR.
# With "decide", picks the location for a new cluster; otherwise only finds an existing one.
sl_pg_locate() {
  local decide=${1:-}
  local link="$SL_DATA/postgres"
  if [[ -L "$link" ]]; then
    SL_PG_MODE=fallback
    SL_PGDATA=$(readlink "$link")
  elif [[ -d "$link" ]]; then
    SL_PG_MODE=repo
    SL_PGDATA=$link
  elif [[ "$decide" == decide ]]; then
    sl_init_dirs
    if id postgres >/dev/null 2>&1 && runuser -u postgres -- test -x "$SL_DATA" -a -x "$SL_RUN" 2>/dev/null; then
      SL_PG_MODE=repo
      SL_PGDATA=$link
    else
      SL_PG_MODE=fallback
      SL_PGDATA="$SL_PG_FALLBACK_BASE/postgres"
    fi
  else
    SL_PG_MODE=none
    SL_PGDATA=""
  fi
  if [[ "$SL_PG_MODE" == fallback ]]; then
    SL_PG_SOCKDIR="$SL_PG_FALLBACK_BASE/run"
  else
    SL_PG_SOCKDIR="$SL_RUN/postgres"
  fi
  # unix socket paths are limited to ~107 bytes
  if ((${#SL_PG_SOCKDIR} > 80)); then SL_PG_SOCKDIR="/tmp/sightline-pg-$SL_ROOT_HASH"; fi
  return 0
}

# Pid of our postmaster (from postmaster.pid in the data dir), empty when not running.
sl_pg_pid() {
  [[ -n "${SL_PGDATA:-}" && -f "$SL_PGDATA/postmaster.pid" ]] || return 0
  local pid
  pid=$(sl_pid_read "$SL_PGDATA/postmaster.pid")
  if [[ -n "$pid" ]] && sl_pid_matches "$pid" postgres "$SL_PGDATA"; then echo "$pid"; fi
  return 0
}

sl_pg_ready() {
  local bindir
  bindir=$(sl_pg_bindir)
  [[ -n "$bindir" ]] || return 1
  "$bindir/pg_isready" -q -h 127.0.0.1 -p "$SL_PG_PORT" -t 3 >/dev/null 2>&1
}

# ---------------------------------------------------------------------------------------------
# Redis helpers

# Make sure redis-server and redis-cli exist; a system instance the package may have started
# (Debian's redis-server on 6379) is stopped and disabled: we run our own instances.
sl_redis_install() {
  if [[ -x /usr/bin/redis-server && -x /usr/bin/redis-cli ]]; then return 0; fi
  sl_apt_install --no-install-recommends redis-server
  [[ -x /usr/bin/redis-server && -x /usr/bin/redis-cli ]] || sl_die "redis-server/redis-cli missing after install"
  sl_disable_system_service redis-server
}

# Pid of a redis-server of ours listening on port (from pidfile), empty when not running.
sl_redis_pid() { # pidfile port
  local pid
  pid=$(sl_pid_read "$1")
  if [[ -n "$pid" ]] && sl_pid_matches "$pid" redis-server ":$2"; then echo "$pid"; fi
  return 0
}

sl_redis_ping() { # port
  [[ "$(timeout 5 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" == PONG ]]
}

# Write a redis.conf: sl_redis_conf <file> <port> <dir> <pidfile> <logfile> [extra lines...]
sl_redis_conf() {
  local file=$1 port=$2 dir=$3 pidfile=$4 logfile=$5
  shift 5
  {
    echo "# Generated by sightline infra scripts — edit the script, not this file."
    echo "bind 127.0.0.1"
    echo "protected-mode yes"
    echo "port $port"
    echo "daemonize yes"
    echo "supervised no"
    echo "pidfile $pidfile"
    echo "logfile $logfile"
    echo "loglevel notice"
    echo "dir $dir"
    echo "databases 16"
    echo "save 3600 1 300 100 60 10000"
    echo "dbfilename dump.rdb"
    echo "appendonly yes"
    echo "appendfilename appendonly.aof"
    echo "appendfsync everysec"
    echo "aof-use-rdb-preamble yes"
    echo "tcp-keepalive 300"
    echo "timeout 0"
    local l
    for l in "$@"; do echo "$l"; done
  } >"$file"
}

# Start a redis-server from its conf and wait until it answers PING (loading an AOF may take a
# moment). Usage: sl_redis_launch <conf> <pidfile> <port> <logfile>
sl_redis_launch() {
  local conf=$1 pidfile=$2 port=$3 logfile=$4 i pid
  rm -f "$pidfile"
  redis-server "$conf" </dev/null >>"$logfile" 2>&1 || {
    tail -n 20 "$logfile" >&2
    sl_die "redis-server on port $port failed to start (see $logfile)"
  }
  for ((i = 0; i < 300; i++)); do
    if sl_redis_ping "$port"; then return 0; fi
    pid=$(sl_pid_read "$pidfile")
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null || { [[ -z "$pid" ]] && ((i > 25)); }; then
      tail -n 20 "$logfile" >&2
      sl_die "redis-server on port $port exited (see $logfile)"
    fi
    sleep 0.2
  done
  sl_die "redis on port $port does not answer PING after 60s (see $logfile)"
}
