"""A Spark migrator, as a managed copy job would be: copies one MariaDB table into
PostgreSQL chunk by chunk (each chunk read and written by Spark in parallel JDBC
partitions) and keeps its own checkpoint table on the target, one row per chunk:

    spark_checkpoint(job, chunk_no, lo, hi, rows_total, rows_done, state, updated_at)

A rerun skips the chunks marked DONE. warroom knows nothing of Spark: it follows this
table with a SQL progress source. `--stall-at N --stall-secs S` sleeps S seconds before
chunk N (a hung executor, for warroom's stalled detection).

Usage: python3 copy_job.py --mysql-jdbc URL --pg-jdbc URL --table NAME --job NAME
       [--chunk ROWS] [--stall-at N --stall-secs S]
"""
import argparse
import time

from pyspark.sql import SparkSession


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mysql-jdbc", required=True)
    ap.add_argument("--pg-jdbc", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--job", required=True)
    ap.add_argument("--chunk", type=int, default=50000)
    ap.add_argument("--partitions", type=int, default=2)
    ap.add_argument("--stall-at", type=int, default=-1)
    ap.add_argument("--stall-secs", type=float, default=0)
    a = ap.parse_args()

    spark = (
        SparkSession.builder.appName(f"migrate-{a.job}")
        .master(f"local[{a.partitions}]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(a.partitions))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    jvm = spark._jvm
    src = {"url": a.mysql_jdbc, "driver": "org.mariadb.jdbc.Driver"}
    dst = {"url": a.pg_jdbc, "driver": "org.postgresql.Driver"}

    def sql(statement, *params):
        """One statement on the target through the JVM's JDBC (the checkpoint)."""
        conn = jvm.java.sql.DriverManager.getConnection(a.pg_jdbc)
        try:
            ps = conn.prepareStatement(statement)
            for i, p in enumerate(params, start=1):
                if isinstance(p, int):
                    ps.setLong(i, p)
                else:
                    ps.setString(i, p)
            ps.executeUpdate()
        finally:
            conn.close()

    # Plan: chunks of the key space, each with its row count, written once.
    bounds = (
        spark.read.format("jdbc")
        .options(**src, query=f"SELECT MIN(id) AS lo, MAX(id) AS hi FROM {a.table}")
        .load()
        .collect()[0]
    )
    lo, hi = int(bounds["lo"]), int(bounds["hi"])
    counts = (
        spark.read.format("jdbc")
        .options(
            **src,
            query=f"SELECT FLOOR((id - {lo}) / {a.chunk}) AS chunk_no, COUNT(*) AS n "
            f"FROM {a.table} GROUP BY 1",
        )
        .load()
        .collect()
    )
    for row in counts:
        c = int(row["chunk_no"])
        sql(
            "INSERT INTO spark_checkpoint (job, chunk_no, lo, hi, rows_total, rows_done, state) "
            "VALUES (?, ?, ?, ?, ?, 0, 'PENDING') ON CONFLICT (job, chunk_no) DO NOTHING",
            a.job, c, lo + c * a.chunk, lo + (c + 1) * a.chunk, int(row["n"]),
        )
    todo = (
        spark.read.format("jdbc")
        .options(
            **dst,
            query=f"SELECT chunk_no, lo, hi FROM spark_checkpoint WHERE job = '{a.job}' "
            "AND state <> 'DONE' ORDER BY chunk_no",
        )
        .load()
        .collect()
    )
    print(f"spark: {len(counts)} chunks planned, {len(todo)} to copy", flush=True)
    for n, row in enumerate(todo):
        if n == a.stall_at and a.stall_secs > 0:
            print(f"spark: stalling {a.stall_secs:.0f}s before chunk {row['chunk_no']}", flush=True)
            time.sleep(a.stall_secs)
        c, clo, chi = int(row["chunk_no"]), int(row["lo"]), int(row["hi"])
        sql(
            "UPDATE spark_checkpoint SET state = 'RUNNING', updated_at = now() "
            "WHERE job = ? AND chunk_no = ?",
            a.job, c,
        )
        df = (
            spark.read.format("jdbc")
            .options(
                **src,
                dbtable=f"(SELECT * FROM {a.table} WHERE id >= {clo} AND id < {chi}) AS c",
                partitionColumn="id",
                lowerBound=str(clo),
                upperBound=str(chi),
                numPartitions=str(a.partitions),
            )
            .load()
            .cache()
        )
        # Idempotent per chunk: a rerun deletes what a crashed attempt left of it.
        sql(f"DELETE FROM {a.table} WHERE id >= ? AND id < ?", clo, chi)
        df.write.format("jdbc").options(**dst, dbtable=a.table).mode("append").save()
        written = df.count()
        sql(
            "UPDATE spark_checkpoint SET rows_done = ?, state = 'DONE', updated_at = now() "
            "WHERE job = ? AND chunk_no = ?",
            written, a.job, c,
        )
        print(f"spark: chunk {c} done ({written} rows)", flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
