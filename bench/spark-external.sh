#!/usr/bin/env bash
# A real distributed engine followed by warroom: a local Spark (PyPI's pyspark on the
# machine's Java 17, Debian's MariaDB and PostgreSQL JDBC drivers) copies a MariaDB table
# into PostgreSQL chunk by chunk and writes its own checkpoint table on the target;
# `warroom copy` follows the job live through a SQL progress source on that table (an
# external, whole-job copy: no table or key of its own), says STALLED while Spark sleeps
# before one chunk, and ends when every chunk is DONE. Then the script checks the target
# holds every source row, prints what it saw, and stops (Spark included).
#
# Too heavy for CI (a JVM, ~1 GB of memory); run by hand:
#   bench/spark-external.sh [ROWS] [CHUNK]
# Installs what is missing (pip: pyspark; apt: libmariadb-java libpostgresql-jdbc-java).
# Uses databases warroom_spark on MariaDB and PostgreSQL at 127.0.0.1 (dropped and made
# anew each run). Spark reads MariaDB through the MariaDB driver with a jdbc:mysql URL, so
# that it quotes names as MySQL does. WARROOM_BIN=path skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
rows=${1:-400000}
chunk=${2:-50000}
db=warroom_spark
stall_secs=${SPARK_STALL_SECS:-14}

command -v java >/dev/null || { echo "needs Java 17 (java not found)" >&2; exit 2; }
python3 -c "import pyspark" 2>/dev/null || python3 -m pip install --quiet pyspark
jars=(/usr/share/java/mariadb-java-client.jar /usr/share/java/postgresql.jar)
if [ ! -f "${jars[0]}" ] || [ ! -f "${jars[1]}" ]; then
  apt-get install -y -qq libmariadb-java libpostgresql-jdbc-java >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq libmariadb-java libpostgresql-jdbc-java >/dev/null; }
fi
bin=${WARROOM_BIN:-}
if [ -z "$bin" ]; then
  cargo build --quiet
  bin=$root/target/debug/warroom
fi

dir=$(mktemp -d)
spark_pid=
cleanup() {
  if [ -n "$spark_pid" ] && kill -0 "$spark_pid" 2>/dev/null; then kill "$spark_pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

echo "== source: $rows rows in MariaDB $db.orders"
mariadb -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
mariadb -h 127.0.0.1 -u root "$db" <<SQL
CREATE TABLE orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL,
  amount DECIMAL(12,2) NOT NULL, note VARCHAR(64), created_at DATETIME NOT NULL);
INSERT INTO orders SELECT seq, seq % 9973, (seq % 100000) / 100, CONCAT('order ', seq),
  '2024-01-01' + INTERVAL (seq % 525600) MINUTE FROM seq_1_to_$rows;
SQL
psql -X -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
psql -X -q -h 127.0.0.1 -U postgres -d "$db" <<SQL
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL,
  amount numeric(12,2) NOT NULL, note varchar(64), created_at timestamp NOT NULL);
CREATE TABLE spark_checkpoint (job text, chunk_no bigint, lo bigint, hi bigint,
  rows_total bigint, rows_done bigint, state text, updated_at timestamptz DEFAULT now(),
  PRIMARY KEY (job, chunk_no));
SQL

rb=$dir/spark.toml
cat >"$rb" <<TOML
[runbook]
name = "spark migrator followed by warroom"
kind = "drill"
coordinator = "casey"

[people.casey]
name = "Casey"
role = "coordinator"

[connections.maria]
url = "mysql://root@127.0.0.1:3306/$db"

[connections.pg]
url = "postgres://postgres@127.0.0.1:5432/$db"

[[copy]]
name = "spark-orders"
engine = "external"
source = "maria"
target = "pg"
stalled_after = "6s"
progress = { from = "sql", connection = "pg", query = "SELECT SUM(rows_done), SUM(rows_total), CASE WHEN COUNT(*) > 0 AND MIN(state) = 'DONE' AND MAX(state) = 'DONE' THEN 'COMPLETED' ELSE 'RUNNING' END FROM spark_checkpoint WHERE job = 'spark-orders'", finished = "status = COMPLETED" }

[[phase]]
name = "copy"

[[phase.step]]
id = "spark-copy"
title = "Spark copies orders"
dri = "casey"
reviewer = "casey"
planned = "10m"
action = { copy = "spark-orders" }
TOML
"$bin" check "$rb" >/dev/null

echo "== Spark starts (local[2]); warroom follows spark_checkpoint"
export PYSPARK_SUBMIT_ARGS="--driver-class-path ${jars[0]}:${jars[1]} --jars ${jars[0]},${jars[1]} --driver-memory 768m pyspark-shell"
started=$(date +%s.%N)
python3 "$root/bench/spark/copy_job.py" \
  --mysql-jdbc "jdbc:mysql://127.0.0.1:3306/$db?user=root" \
  --pg-jdbc "jdbc:postgresql://127.0.0.1:5432/$db?user=postgres" \
  --table orders --job spark-orders --chunk "$chunk" \
  --stall-at 3 --stall-secs "$stall_secs" >"$dir/spark.log" 2>&1 &
spark_pid=$!

# warroom's plain progress lines go to stderr (not a terminal here): keep them all.
timeout 900 "$bin" copy "$rb" --job spark-orders >"$dir/warroom.out" 2>"$dir/warroom.log" &
warroom_pid=$!
# Whichever ends first: a Spark that fails stops warroom's follow too.
while kill -0 "$warroom_pid" 2>/dev/null; do
  if ! kill -0 "$spark_pid" 2>/dev/null; then
    if ! wait "$spark_pid"; then
      kill "$warroom_pid" 2>/dev/null || true
      echo "Spark failed:" >&2
      grep -vE '^\s+at |^\s+\.\.\. [0-9]+ more' "$dir/spark.log" | tail -20 >&2
      exit 1
    fi
    spark_pid=
    break
  fi
  sleep 1
done
set +e
wait "$warroom_pid"
rc=$?
set -e
ended=$(date +%s.%N)
if [ -n "$spark_pid" ]; then
  wait "$spark_pid" || { echo "Spark failed:" >&2; tail -20 "$dir/spark.log" >&2; exit 1; }
  spark_pid=
fi

echo "== Spark said"
grep '^spark:' "$dir/spark.log"
echo "== warroom said (exit $rc)"
cat "$dir/warroom.log" "$dir/warroom.out"
src=$(mariadb -h 127.0.0.1 -u root -N "$db" -e "SELECT COUNT(*), SUM(amount) FROM orders")
dst=$(psql -X -q -h 127.0.0.1 -U postgres -d "$db" -tA -F $'\t' -c "SELECT COUNT(*), SUM(amount) FROM orders")
stalls=$(grep -cE "stalled: no progress .* at [1-9][0-9]* of" "$dir/warroom.log" || true)
lines=$(grep -c '^copy spark-orders:' "$dir/warroom.log" || true)
echo "== figures"
echo "source (count, sum)  $src"
echo "target (count, sum)  $dst"
printf 'followed for        %.1f s, %s progress lines, %s stall report(s)\n' "$(echo "$ended - $started" | bc)" "$lines" "$stalls"
[ "$rc" = 0 ] || { echo "warroom did not see the job finish" >&2; exit 1; }
[ "$src" = "$dst" ] || { echo "target differs from source" >&2; exit 1; }
[ "$stalls" -ge 1 ] || { echo "the stall was not reported" >&2; exit 1; }
echo "ok: Spark copied every row, warroom followed it live, saw the stall, and saw it finish"
