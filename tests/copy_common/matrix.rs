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

/// Single-precision floats that a 6-digit text form would change: neighbours of 2^24
/// (2^24+1 is not a float), 1+2^-23, pi, the smallest and largest subnormals, the smallest
/// normal, the largest finite, negatives, and values that need 9 significant digits.
pub const SINGLES: &[f32] = &[
    16_777_216.0,
    16_777_218.0,
    16_777_215.0,
    -16_777_218.0,
    1.000_000_1,
    std::f32::consts::PI,
    1.4e-45,
    -1.4e-45,
    1.175_494_2e-38,
    f32::MIN_POSITIVE,
    f32::MAX,
    f32::MIN,
    0.1,
    -0.1,
    123_456.79,
    0.0,
    1.5,
];

/// The DDL of the single-precision table `floats` (id, f) per dialect; SQLite's REAL is a
/// double, which holds every single exactly.
pub fn singles_ddl(d: warroom::db::Dialect) -> &'static str {
    match d {
        warroom::db::Dialect::MySql => "(id INT NOT NULL PRIMARY KEY, f FLOAT)",
        warroom::db::Dialect::Postgres => "(id integer NOT NULL PRIMARY KEY, f real)",
        warroom::db::Dialect::Sqlite => "(id INTEGER NOT NULL PRIMARY KEY, f REAL)",
    }
}

/// Creates `table` with [`singles_ddl`]; with `rows`, fills it with [`SINGLES`] (ids from
/// 1) and a NULL (the last id). Values go in as the exact decimal of the widened double.
pub async fn singles_table(pool: &warroom::db::DbPool, table: &str, rows: bool) {
    let d = pool.dialect();
    execute(pool, &format!("CREATE TABLE {table} {}", singles_ddl(d)))
        .await
        .expect("singles ddl");
    if !rows {
        return;
    }
    let mut values: Vec<String> = SINGLES
        .iter()
        .enumerate()
        .map(|(i, f)| format!("({}, {:?})", i + 1, f64::from(*f)))
        .collect();
    values.push(format!("({}, NULL)", SINGLES.len() + 1));
    execute(
        pool,
        &format!("INSERT INTO {table} VALUES {}", values.join(", ")),
    )
    .await
    .expect("singles rows");
}

/// What `table` holds, as (id, bits of f): read through the copy's exact read path; a value
/// that is not exactly a single (a double with more bits) fails the test.
// Exact comparison is the point: single-precision values must come back bit for bit.
#[allow(clippy::float_cmp, clippy::cast_possible_truncation)]
pub async fn singles_bits(pool: &warroom::db::DbPool, table: &str) -> Vec<(i64, Option<u32>)> {
    use warroom::db::sql::{exact_read, quote_ident};
    use warroom::db::types::Kind;
    use warroom::db::value::Value;
    let d = pool.dialect();
    let kinds = [
        Kind::Int {
            bytes: 8,
            unsigned: false,
        },
        Kind::Float {
            double: d == warroom::db::Dialect::Sqlite,
        },
    ];
    let sql = format!(
        "SELECT {}, {} FROM {table}",
        exact_read(d, &quote_ident(d, "id"), &kinds[0]),
        exact_read(d, &quote_ident(d, "f"), &kinds[1]),
    );
    let rows = warroom::db::rows::fetch_values(pool, &sql, &kinds, &[0])
        .await
        .expect("read singles");
    let mut got: Vec<(i64, Option<u32>)> = rows
        .into_iter()
        .map(|r| {
            let Value::Int(id) = r[0] else {
                panic!("id {:?}", r[0])
            };
            let bits = match r[1] {
                Value::Null => None,
                Value::Float(f) => {
                    assert_eq!(
                        f64::from(f as f32),
                        f,
                        "{table} id {id}: {f} is not a single"
                    );
                    Some((f as f32).to_bits())
                }
                ref other => panic!("{table} id {id}: {other:?}"),
            };
            (id, bits)
        })
        .collect();
    // PostgreSQL would order the text ids as text.
    got.sort();
    got
}

/// What every table of singles must hold, bit for bit.
// A short constant table: its indices fit an i64.
#[allow(clippy::cast_possible_wrap)]
pub fn singles_want() -> Vec<(i64, Option<u32>)> {
    let mut want: Vec<(i64, Option<u32>)> = SINGLES
        .iter()
        .enumerate()
        .map(|(i, f)| (i as i64 + 1, Some(f.to_bits())))
        .collect();
    want.push((SINGLES.len() as i64 + 1, None));
    want
}
