#!/usr/bin/env bash
# Preflight on a schema of 500 tables (aim < 5 s): 500 MariaDB source tables of 1 000 rows
# each, 500 PostgreSQL targets, one copy job per pair. Prints the scan's own time and the
# findings it counted. Uses databases wt_preflight_bench on 127.0.0.1 (created, then left
# in place for a rerun; drop them by hand).
# Usage: [WARROOM_BIN=path] bench/preflight-500.sh [TABLES]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-500}
db=wt_preflight_bench
# WARROOM_BIN=target/debug/warroom skips the release build.
bin=${WARROOM_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=$PWD/target/release/warroom
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE IF NOT EXISTS $db"
psql -X -q -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
  || psql -X -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $db"
{
  echo "CREATE TABLE IF NOT EXISTS bench_seed (id INT PRIMARY KEY);"
  echo "INSERT IGNORE INTO bench_seed SELECT seq FROM seq_1_to_1000;"
  for i in $(seq 1 "$n"); do
    echo "CREATE TABLE IF NOT EXISTS t$i (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(50), amount DECIMAL(12,2), created_at DATETIME);"
    echo "INSERT IGNORE INTO t$i SELECT id, CONCAT('n', id), id / 100, NOW() FROM bench_seed;"
  done
} | mariadb -h 127.0.0.1 -u root "$db"
for i in $(seq 1 "$n"); do
  echo "CREATE TABLE IF NOT EXISTS t$i (id bigint PRIMARY KEY, name varchar(50), amount numeric(12,2), created_at timestamp);"
done | PGOPTIONS="-c client_min_messages=warning" psql -X -q -h 127.0.0.1 -U postgres -d "$db" >/dev/null

rb=$dir/bench.toml
cat >"$rb" <<EOF
[runbook]
name = "preflight-bench"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"
[people.dana]
name = "Dana"
role = "DBA"

[connections.src]
url = "mysql://root@127.0.0.1:3306/$db"
[connections.dst]
url = "postgres://postgres@127.0.0.1:5432/$db"

[[phase]]
name = "pre"

[[phase.step]]
id = "preflight"
title = "Preflight"
dri = "dana"
reviewer = "casey"
planned = "5m"
action = { check = "preflight" }
EOF
for i in $(seq 1 "$n"); do
  printf '\n[[copy]]\nname = "t%s"\nsource = "src"\nsource_table = "t%s"\ntarget = "dst"\ntarget_table = "t%s"\nkey = ["id"]\n' "$i" "$i" "$i" >>"$rb"
done

start=$(date +%s.%N)
"$bin" --log-file "$dir/w.log" preflight "$rb" --json >"$dir/out.json" || true
end=$(date +%s.%N)
python3 - "$dir/out.json" "$start" "$end" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"preflight on {r['pairs']} table pairs: scan {r['seconds']:.2f} s, process {wall:.2f} s (aim < 5 s); "
      f"{r['counts']['blocker']} blockers, {r['counts']['warning']} warnings, {r['counts']['info']} info")
EOF
