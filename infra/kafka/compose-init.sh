#!/usr/bin/env bash
# The `kafka-init` step of docker-compose.yml: on the broker (SASL, ACL authorizer, `admin` as
# super user over PLAIN), creates or updates the SCRAM-SHA-512 user of each service and gives it
# the ACLs of libs/kafka/src/acls.ts in TOPIC_NAMESPACE (docs/security.md "Kafka credentials and
# ACLs"; test/integration/compose-kafka-init.integration.test.ts holds the two equal). Idempotent.
# Environment: BOOTSTRAP (kafka:9092), ADMIN_PASSWORD, <SERVICE>_PASSWORD for INGEST,
# SESSION_FINGERPRINT, BITMAP_AGGREGATOR, QUERY, GATEWAY; TOPIC_NAMESPACE (sightline.);
# USER_PREFIX (none: prefixes the user names, for tests); KAFKA_BIN (/opt/kafka/bin);
# ADMIN_PROPERTIES (a client properties file of the admin, instead of PLAIN with ADMIN_PASSWORD).
set -euo pipefail
BOOTSTRAP=${BOOTSTRAP:-kafka:9092}
NS=${TOPIC_NAMESPACE:-sightline.}
BIN=${KAFKA_BIN:-/opt/kafka/bin}
USER_PREFIX=${USER_PREFIX:-}
props=${ADMIN_PROPERTIES:-}
if [[ -z "$props" ]]; then
  props=$(mktemp)
  trap 'rm -f "$props"' EXIT
  printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="%s";\n' \
    "${ADMIN_PASSWORD:?ADMIN_PASSWORD is required}" >"$props"
fi
admin=(--bootstrap-server "$BOOTSTRAP" --command-config "$props")

projects="${NS}projects.v1" raw="${NS}events.raw.v1" enriched="${NS}events.enriched.v1" dlq="${NS}events.dlq.v1" erasures="${NS}erasures.v1"
all=(--topic "$projects" --topic "$raw" --topic "$enriched" --topic "$dlq" --topic "$erasures")

acl() { # principal args...
  local who=$1
  shift
  "$BIN/kafka-acls.sh" "${admin[@]}" --add --allow-principal "User:$who" "$@" >/dev/null
}
topics() { local t out=(); for t in "$@"; do out+=(--topic "$t"); done; printf '%s\n' "${out[@]}"; }

one() { # service
  local service=$1 var password user reads writes r w
  var=$(echo "$service" | tr 'a-z-' 'A-Z_')_PASSWORD
  password=${!var:?$var is required}
  user="$USER_PREFIX$service"
  "$BIN/kafka-configs.sh" "${admin[@]}" --alter --entity-type users --entity-name "$user" \
    --add-config "SCRAM-SHA-512=[password=$password]" >/dev/null
  # every service creates the missing topics of its namespace and aligns their settings at start
  acl "$user" --operation Describe --operation Create --operation DescribeConfigs --operation AlterConfigs "${all[@]}"
  case $service in
    ingest) reads=("$projects") writes=("$raw") ;;
    session-fingerprint) reads=("$raw" "$erasures" "$projects") writes=("$enriched" "$dlq") ;;
    bitmap-aggregator | query) reads=("$enriched" "$erasures" "$projects") writes=("$dlq") ;;
    gateway) reads=() writes=("$projects" "$erasures") ;;
  esac
  if ((${#reads[@]})); then
    mapfile -t r < <(topics "${reads[@]}")
    acl "$user" --operation Read "${r[@]}"
    acl "$user" --operation Read --operation Describe --group "$NS$service" --resource-pattern-type prefixed
  fi
  mapfile -t w < <(topics "${writes[@]}")
  acl "$user" --operation Write "${w[@]}"
  if [[ $service == session-fingerprint ]]; then
    acl "$user" --operation Write --operation Describe --transactional-id "$NS$service" --resource-pattern-type prefixed
  fi
  echo "kafka-init: $user and its ACLs in namespace $NS"
}

# One after the other: Kafka's tools are JVMs, and five at once on a small host time out.
for service in ingest session-fingerprint bitmap-aggregator query gateway; do one "$service"; done
