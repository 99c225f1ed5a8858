# Shared by infra/kafka-cluster/{start,stop,status}: three KRaft nodes on loopback, each a
# combined broker and controller (a quorum of three voters: any two elect a controller and a
# partition leader). Node N (1..3) listens for clients on BASE+N and for the quorum on BASE+100+N.
#   SIGHTLINE_KAFKA_CLUSTER_BASE  (29090)    ports 29091-29093 (clients), 29191-29193 (quorum)
#   SIGHTLINE_KAFKA_CLUSTER_NAME  (cluster)  data, config, logs and pid files under that name, so
#                                            a test's cluster never touches `make up CLUSTER=1`'s
# shellcheck shell=bash
KC_BASE=${SIGHTLINE_KAFKA_CLUSTER_BASE:-29090}
KC_NAME=${SIGHTLINE_KAFKA_CLUSTER_NAME:-cluster}
KC_NODES=(1 2 3)
kc_port() { echo $((KC_BASE + $1)); }
kc_quorum_port() { echo $((KC_BASE + 100 + $1)); }
kc_bootstrap() { local n out=(); for n in "${KC_NODES[@]}"; do out+=("127.0.0.1:$(kc_port "$n")"); done; (IFS=,; echo "${out[*]}"); }
kc_conf() { echo "$SL_CONF/kafka-$KC_NAME/node$1.properties"; }
kc_pidfile() { echo "$SL_RUN/kafka-$KC_NAME-node$1.pid"; }
kc_log() { echo "$SL_LOGS/kafka-$KC_NAME-node$1.log"; }
kc_data() { echo "$SL_DATA/kafka-$KC_NAME/node$1"; }
# The pid of node N when it runs (from its pid file, checked against its own config file).
kc_pid() {
  local pid
  pid=$(sl_pid_read "$(kc_pidfile "$1")")
  if [[ -n "$pid" ]] && sl_pid_matches "$pid" kafka.Kafka "$(kc_conf "$1")"; then echo "$pid"; fi
  return 0
}
