//! The type matrix shared by the copy and recon tests: one MariaDB table with the
//! extremes of every type, and its PostgreSQL and SQLite counterparts.

use warroom::db::rows::execute;

use super::mysql_db;

pub const MARIA_DDL: &str = "(
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  i8 TINYINT, u8 TINYINT UNSIGNED, i16 SMALLINT, i32 INT, i64 BIGINT, u64 BIGINT UNSIGNED,
  d DECIMAL(30,10), dbig DECIMAL(65,30), f FLOAT, dbl DOUBLE,
  t VARCHAR(100), tx TEXT, c CHAR(3),
  b VARBINARY(64), bl BLOB,
  dt DATE, tm TIME(6), dtm DATETIME(6), ts TIMESTAMP(6) NULL DEFAULT NULL,
  j JSON, flag BOOLEAN, e ENUM('small','medium','large')
) DEFAULT CHARSET=utf8mb4";

pub const PG_DDL: &str = "(
  id numeric(20,0) NOT NULL PRIMARY KEY,
  i8 smallint, u8 smallint, i16 smallint, i32 integer, i64 bigint, u64 numeric(20,0),
  d numeric(30,10), dbig numeric(65,30), f real, dbl double precision,
  t varchar(100), tx text, c char(3),
  b bytea, bl bytea,
  dt date, tm time(6), dtm timestamp(6), ts timestamptz(6),
  j jsonb, flag boolean, e SIZE_TYPE
)";

pub const SQLITE_DDL: &str = "(
  id TEXT NOT NULL PRIMARY KEY,
  i8 INTEGER, u8 INTEGER, i16 INTEGER, i32 INTEGER, i64 INTEGER, u64 TEXT,
  d TEXT, dbig TEXT, f REAL, dbl REAL,
  t TEXT, tx TEXT, c TEXT,
  b BLOB, bl BLOB,
  dt DATE, tm TIME, dtm DATETIME, ts TIMESTAMPTZ,
  j JSON, flag BOOLEAN, e TEXT
)";

/// Extremes of every type, NULL vs '', zero bytes, emoji and CJK, microseconds.
pub const MARIA_ROWS: &str = r#"INSERT INTO types VALUES
 (1, -128, 255, -32768, -2147483648, -9223372036854775808, 18446744073709551615,
  '-12345678901234567890.1234567890', '12345678901234567890123456789012345.123456789012345678901234567890',
  1.5, 2.2250738585072014e-308,
  'plain', 'multi\nline\ttab \\ backslash ''quote''', 'abc',
  X'00015C27FF00', X'',
  '1000-01-01', '00:00:00', '1000-01-01 00:00:00.000000', '1970-01-01 00:00:01.000000',
  '{"a": 1, "b": [true, null, "x"], "u": "Zürich ✓"}', 0, 'small'),
 (2, 127, 0, 32767, 2147483647, 9223372036854775807, 0,
  '0.0000000001', '-0.000000000000000000000000000001',
  -3.25, 1.7976931348623157e308,
  '🎉 emoji and 中文 CJK', '', 'xyz',
  X'00', X'000000',
  '9999-12-31', '23:59:59.999999', '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999',
  '[]', 1, 'large'),
 (3, 0, 1, 0, 0, 0, 9223372036854775808,
  '5.5000000000', '0', 0.1, 0.1,
  '', NULL, '',
  NULL, X'DEADBEEF',
  '2024-02-29', '12:34:56.000001', '2024-02-29 12:34:56.123456', '2024-02-29 12:34:56.654321',
  '{"nested": {"deep": [1, 2.5, -3]}}', NULL, 'medium'),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"#;

pub async fn maria_source(url: &str) -> (warroom::db::DbPool, String) {
    let (src, _, db) = mysql_db(url, "tsrc").await;
    execute(&src, &format!("CREATE TABLE types {MARIA_DDL}"))
        .await
        .expect("ddl");
    execute(&src, MARIA_ROWS).await.expect("rows");
    (src, db)
}

pub async fn pg_target(pg: &warroom::db::DbPool, schema: &str) -> String {
    execute(
        pg,
        &format!(
            "CREATE TYPE {schema}.size AS ENUM ('small','medium','large'); CREATE TABLE {schema}.types {}",
            PG_DDL.replace("SIZE_TYPE", &format!("{schema}.size"))
        ),
    )
    .await
    .expect("pg ddl");
    format!("{schema}.types")
}
