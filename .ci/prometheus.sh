#!/usr/bin/env bash
# Installs (Debian packages) and starts, on loopback only, a Prometheus that scrapes
# mysqld_exporter and postgres_exporter every second: what the health tests and the example
# runbooks' probes query. Idempotent: anything already answering is left alone.
#
#   Prometheus         http://127.0.0.1:19090   (WARROOM_PROM_PORT)
#   mysqld_exporter    http://127.0.0.1:19104   (MariaDB at 127.0.0.1:3306, root)
#   postgres_exporter  http://127.0.0.1:19187   (PostgreSQL at 127.0.0.1:5432, postgres)
#
# Debian's own service scripts play no part: the binaries run with this script's config and
# data directory under $WARROOM_PROM_DIR (default /tmp/warroom-prometheus).
set -euo pipefail

PROM_PORT=${WARROOM_PROM_PORT:-19090}
MYSQL_EXPORTER_PORT=${WARROOM_MYSQL_EXPORTER_PORT:-19104}
PG_EXPORTER_PORT=${WARROOM_PG_EXPORTER_PORT:-19187}
DIR=${WARROOM_PROM_DIR:-/tmp/warroom-prometheus}
MYSQL_DSN=${WARROOM_MYSQL_EXPORTER_DSN:-root@(127.0.0.1:3306)/}
PG_DSN=${WARROOM_PG_EXPORTER_DSN:-postgresql://postgres@127.0.0.1:5432/postgres?sslmode=disable}

need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v prometheus-mysqld-exporter >/dev/null || need+=(prometheus-mysqld-exporter)
command -v prometheus-postgres-exporter >/dev/null || need+=(prometheus-postgres-exporter)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

mkdir -p "$DIR/data"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() { # name, port, env assignment or "", command...
  local name=$1 port=$2 env=$3; shift 3
  if listening "$port"; then
    echo "$name already answers on 127.0.0.1:$port"
    return 0
  fi
  # setsid: the daemon outlives this script and the CI step that ran it.
  if [ -n "$env" ]; then
    setsid env "$env" "$@" >"$DIR/$name.log" 2>&1 < /dev/null &
  else
    setsid "$@" >"$DIR/$name.log" 2>&1 < /dev/null &
  fi
  echo $! >"$DIR/$name.pid"
  for _ in $(seq 1 60); do
    if listening "$port"; then echo "$name is up on 127.0.0.1:$port"; return 0; fi
    sleep 0.5
  done
  echo "$name did not come up on 127.0.0.1:$port; its log:" >&2
  tail -n 20 "$DIR/$name.log" >&2 || true
  return 1
}

cat >"$DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: mysql
    static_configs:
      - targets: ['127.0.0.1:$MYSQL_EXPORTER_PORT']
  - job_name: postgres
    static_configs:
      - targets: ['127.0.0.1:$PG_EXPORTER_PORT']
EOF

start mysqld_exporter "$MYSQL_EXPORTER_PORT" "DATA_SOURCE_NAME=$MYSQL_DSN" \
  prometheus-mysqld-exporter --web.listen-address="127.0.0.1:$MYSQL_EXPORTER_PORT"
start postgres_exporter "$PG_EXPORTER_PORT" "DATA_SOURCE_NAME=$PG_DSN" \
  prometheus-postgres-exporter --web.listen-address="127.0.0.1:$PG_EXPORTER_PORT"
start prometheus "$PROM_PORT" "" \
  prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
  --storage.tsdb.retention.time=1d --web.listen-address="127.0.0.1:$PROM_PORT"

# Ready when Prometheus has scraped MariaDB through the exporter at least once.
for _ in $(seq 1 60); do
  if promtool query instant "http://127.0.0.1:$PROM_PORT" 'mysql_up == 1' 2>/dev/null | grep -q mysql_up; then
    echo "Prometheus on 127.0.0.1:$PROM_PORT scrapes MariaDB"
    exit 0
  fi
  sleep 0.5
done
echo "Prometheus on 127.0.0.1:$PROM_PORT never saw mysql_up == 1; logs in $DIR" >&2
exit 1
