//! One side of a recon (source or target): its pool, table, columns and the SQL that runs
//! there: chunk checksums, per-row digests, row fetches, bisection points.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::db::introspect::collations;
use crate::db::keyset::KeyRange;
use crate::db::rows::{fetch_text, fetch_values};
use crate::db::sql::{quote_ident, tuple_cmp_exprs, Cmp, LiteralStyle, TableRef};
use crate::db::table::TablePair;
use crate::db::types::{Column, Kind};
use crate::db::value::{push_hex, Value};
use crate::db::{DbPool, Dialect};

use super::canon::{max_piece_bytes, piece, push_piece, row_sql, text, Place};
use super::error::ReconError;

/// What a chunk checksum returns: equal sums mean equal rows (with overwhelming odds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkSum {
    pub rows: u64,
    /// The SHA-256 (hex) of the chunk's row texts in key order, computed inside the
    /// database.
    pub db: String,
    /// The database may have cut the text short before hashing it (see
    /// [`Side::checksum`]): the sum proves nothing.
    pub may_be_cut: bool,
    /// The columns canonicalised in Rust: the wrapping sum of each row's SHA-256.
    pub rust: u128,
}

impl ChunkSum {
    /// Whether the two sides' chunks hold the same rows.
    pub fn matches(&self, other: &ChunkSum) -> bool {
        !self.may_be_cut && !other.may_be_cut && self == other
    }
}

/// One row of a differing range: its key and a digest of its canonical text (`None`: it
/// could not be computed, so the row is compared as values).
#[derive(Debug, Clone)]
pub struct RowDigest {
    pub key: Vec<Value>,
    pub digest: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Side {
    pub name: &'static str,
    pub pool: DbPool,
    pub table: TableRef,
    pub cols: Vec<Column>,
    pub key: Vec<String>,
    pub key_idx: Vec<usize>,
    pub style: LiteralStyle,
    pub places: Vec<Place>,
    /// The key columns as compared and sorted here: text by its UTF-8 bytes (see
    /// [`collated`]), anything else as it is.
    pub key_exprs: Vec<String>,
    /// The job's `where`, if any.
    pub job_filter: Option<String>,
    /// Text keys are compared by their bytes (the two databases may order them apart).
    pub byte_order: bool,
    /// MariaDB/MySQL only: the key is the table's primary key, which InnoDB stores rows in,
    /// so a chunk read through it arrives in key order and `GROUP_CONCAT` need not sort (a
    /// fifth of the checksum's cost). Were the order ever different, the chunk would only
    /// look changed (its rows then compare equal) and this is switched off.
    pub scan_in_key_order: Arc<AtomicBool>,
}

/// Kinds whose order depends on a collation (a case-insensitive MariaDB column, a
/// PostgreSQL locale): as keys they are compared and sorted by their UTF-8 bytes on both
/// sides, so that a key range holds the same keys in both databases.
pub fn collated(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Text { .. } | Kind::Enum { .. } | Kind::Uuid | Kind::Json | Kind::Other { .. }
    )
}

/// Whether the key has a column whose order depends on a collation on either side.
pub fn key_is_collated(r: &TablePair) -> bool {
    r.key_idx
        .iter()
        .any(|&i| collated(&r.src_cols[i].kind) || collated(&r.tgt_cols[i].kind))
}

/// Whether the two databases may order the key differently: a text key column, unless both
/// sides are the same kind of database with the same collation on every key column (then
/// the native order, which the key's index serves, is the same on both).
pub async fn needs_byte_order(r: &TablePair, source: &DbPool, target: &DbPool) -> bool {
    if !key_is_collated(r) {
        return false;
    }
    if source.dialect() != target.dialect() {
        return true;
    }
    let (src_key, tgt_key) = (r.key_src(), r.key_tgt());
    let (a, b) = tokio::join!(
        collations(source, &r.source_table, &src_key),
        collations(target, &r.target_table, &tgt_key)
    );
    !(a.len() == r.key_idx.len() && a == b && a.iter().all(Option::is_some))
}

/// A text column as its UTF-8 bytes, for comparisons and ORDER BY.
fn by_bytes(d: Dialect, q: &str) -> String {
    match d {
        Dialect::MySql => format!("CAST(CONVERT({q} USING utf8mb4) AS BINARY)"),
        Dialect::Postgres => format!("({q})::text COLLATE \"C\""),
        Dialect::Sqlite => format!("{q} COLLATE BINARY"),
    }
}

fn key_exprs(r: &TablePair, d: Dialect, names: &[String], byte_order: bool) -> Vec<String> {
    r.key_idx
        .iter()
        .zip(names)
        .map(|(&i, name)| {
            let q = quote_ident(d, name);
            if byte_order && (collated(&r.src_cols[i].kind) || collated(&r.tgt_cols[i].kind)) {
                by_bytes(d, &q)
            } else {
                q
            }
        })
        .collect()
}

impl Side {
    pub fn source(r: &TablePair, pool: DbPool, places: &[Place], byte_order: bool) -> Side {
        Side {
            name: "source",
            pool,
            table: r.source_table.clone(),
            cols: r.src_cols.clone(),
            key: r.key_src(),
            key_idx: r.key_idx.clone(),
            style: r.src_style,
            places: places.to_vec(),
            key_exprs: key_exprs(r, r.src_dialect, &r.key_src(), byte_order),
            job_filter: r.filter.clone(),
            byte_order,
            scan_in_key_order: Arc::new(AtomicBool::new(false)),
        }
    }

    pub fn target(r: &TablePair, pool: DbPool, places: &[Place], byte_order: bool) -> Side {
        Side {
            name: "target",
            pool,
            table: r.target_table.clone(),
            cols: r.tgt_cols.clone(),
            key: r.key_tgt(),
            key_idx: r.key_idx.clone(),
            style: r.tgt_style,
            places: places.to_vec(),
            key_exprs: key_exprs(r, r.tgt_dialect, &r.key_tgt(), byte_order),
            job_filter: r.filter.clone(),
            byte_order,
            scan_in_key_order: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Lets MariaDB/MySQL checksums rely on the primary key's order when the key is the
    /// primary key and compares natively (see [`Side::scan_in_key_order`]).
    pub async fn trust_primary_key_order(&self) {
        if self.dialect() != Dialect::MySql || self.byte_order {
            return;
        }
        let pk = crate::db::introspect::primary_key(&self.pool, &self.table).await;
        let same = pk.is_some_and(|pk| {
            pk.len() == self.key.len()
                && pk
                    .iter()
                    .zip(&self.key)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
        });
        self.scan_in_key_order.store(same, Ordering::Relaxed);
    }

    /// Stops relying on the scan order (a chunk differed but its rows did not); whether
    /// it had been relied on.
    pub fn distrust_scan_order(&self) -> bool {
        self.scan_in_key_order.swap(false, Ordering::Relaxed)
    }

    fn dialect(&self) -> Dialect {
        self.pool.dialect()
    }

    fn q(&self, col: &str) -> String {
        quote_ident(self.dialect(), col)
    }

    fn from(&self) -> String {
        self.table.quoted(self.dialect())
    }

    /// The job's filter and `lo <= key < hi`, keys compared as [`Side::key_exprs`].
    fn filter(&self, _r: &TablePair, range: &KeyRange) -> String {
        let mut parts = Vec::new();
        if let Some(f) = &self.job_filter {
            parts.push(format!("({f})"));
        }
        if let Some(lo) = &range.lo {
            parts.push(tuple_cmp_exprs(self.style, &self.key_exprs, lo, Cmp::Ge));
        }
        if let Some(hi) = &range.hi {
            parts.push(tuple_cmp_exprs(self.style, &self.key_exprs, hi, Cmp::Lt));
        }
        // PostgreSQL plans a one-sided range on a freshly loaded table (no statistics yet,
        // as right after a copy) as a third of the table: a full scan and sort for every
        // first and last chunk. Closing the open end at the key's own extreme (read from
        // the index when the query runs) makes it a range it reads through the index.
        if self.dialect() == Dialect::Postgres {
            if let [key] = self.key_exprs.as_slice() {
                if range.lo.is_none() {
                    parts.push(format!("{key} >= (SELECT min({key}) FROM {})", self.from()));
                }
                if range.hi.is_none() {
                    parts.push(format!("{key} <= (SELECT max({key}) FROM {})", self.from()));
                }
            }
        }
        if parts.is_empty() {
            "1=1".into()
        } else {
            parts.join(" AND ")
        }
    }

    fn order_by(&self) -> String {
        self.key_exprs.join(", ")
    }

    /// Columns read as text, each aliased `{prefix}{i}`: PostgreSQL would otherwise bind an
    /// `ORDER BY "id"` to the output column `"id"::text` and sort by the text (`10` before
    /// `9`).
    fn select_list<'a>(&self, cols: impl IntoIterator<Item = &'a Column>, prefix: &str) -> String {
        cols.into_iter()
            .enumerate()
            .map(|(i, c)| format!("{} AS {prefix}{i}", self.read(c)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A column read as text where the dialect needs it (PostgreSQL `::text`), exactly:
    /// a single-precision float as the double it widens to, whose text both databases
    /// write round-trip exact (MariaDB writes a FLOAT with 6 digits, `16777216` as
    /// `16777200`; PostgreSQL writes a `real` as the shortest text that reads back as the
    /// same `real`, `0.1`, which reads as another double than MariaDB's same FLOAT).
    fn read(&self, col: &Column) -> String {
        let q = self.q(&col.name);
        let single = matches!(col.kind, Kind::Float { double: false });
        match self.dialect() {
            Dialect::Postgres if single => format!("{q}::float8::text"),
            Dialect::Postgres => format!("{q}::text"),
            Dialect::MySql if single => format!("({q} + 0e0)"),
            _ => q,
        }
    }

    /// The key columns, read as [`Side::read`] reads them.
    pub fn key_select_list(&self) -> String {
        self.select_list(self.key_cols(), "k")
    }

    /// This side's key columns.
    fn key_cols(&self) -> impl Iterator<Item = &Column> {
        self.key_idx.iter().map(|&i| &self.cols[i])
    }

    pub fn key_kinds(&self) -> Vec<Kind> {
        self.key_idx
            .iter()
            .map(|&i| self.cols[i].kind.clone())
            .collect()
    }

    fn rust_cols(&self) -> Vec<usize> {
        (0..self.cols.len())
            .filter(|&i| self.places[i] == Place::InRust)
            .collect()
    }

    /// The in-database pieces of a row's canonical text (every column not canonicalised
    /// in Rust), or `None` when there are none.
    fn row_text(&self) -> Option<String> {
        let pieces: Vec<String> = self
            .cols
            .iter()
            .zip(&self.places)
            .filter(|(_, p)| **p != Place::InRust)
            .map(|(c, p)| {
                // latin1 (and other non-UTF-8) text hashes as the same characters in UTF-8.
                let q = if c.not_utf8() {
                    format!("CONVERT({} USING utf8mb4)", self.q(&c.name))
                } else {
                    self.q(&c.name)
                };
                piece(self.dialect(), &q, &c.kind, *p, c.nullable)
            })
            .collect();
        (!pieces.is_empty()).then(|| row_sql(self.dialect(), &pieces))
    }

    /// Row count and hashes of the rows of `range`: one SHA-256 of the rows' canonical
    /// texts concatenated in key order (one hash call per chunk, not per row: per row,
    /// PostgreSQL's `sha256` costs more than building the text).
    pub async fn checksum(&self, r: &TablePair, range: &KeyRange) -> Result<ChunkSum, ReconError> {
        let filter = self.filter(r, range);
        let order = self.order_by();
        // MariaDB cuts GROUP_CONCAT at `group_concat_max_len` (raised to
        // `max_allowed_packet` on warroom's connections) without an error: the query also
        // reads the limit and the byte length of every column whose text has no bound, so
        // that a chunk whose text may have been cut is never taken as verified.
        let measured: Vec<&Column> = self
            .cols
            .iter()
            .zip(&self.places)
            .filter(|(c, p)| **p != Place::InRust && max_piece_bytes(&c.kind).is_none())
            .map(|(c, _)| c)
            .collect();
        let sql = match (self.dialect(), self.row_text()) {
            (_, None) => format!("SELECT COUNT(*), '0' FROM {} WHERE {filter}", self.from()),
            (Dialect::MySql, Some(row)) => {
                let lengths: String = measured
                    .iter()
                    .map(|c| format!(", COALESCE(SUM(LENGTH({})), 0)", self.q(&c.name)))
                    .collect();
                let (order, index) = if self.scan_in_key_order.load(Ordering::Relaxed) {
                    (String::new(), " FORCE INDEX (PRIMARY)")
                } else {
                    (format!(" ORDER BY {order}"), "")
                };
                format!(
                    "SELECT COUNT(*), SHA2(GROUP_CONCAT({row}{order} SEPARATOR ''), 256), \
                     LEAST(@@group_concat_max_len, @@max_allowed_packet){lengths} \
                     FROM {}{index} WHERE {filter}",
                    self.from()
                )
            }
            (_, Some(row)) => format!(
                "SELECT count(*)::text, \
                 encode(sha256(convert_to(string_agg({row}, '' ORDER BY {order}), 'UTF8')), 'hex') \
                 FROM {} WHERE {filter}",
                self.from()
            ),
        };
        let rows = fetch_text(&self.pool, &sql)
            .await
            .map_err(|e| ReconError::db(self.name, "checksumming a chunk", e))?;
        let cell = |i: usize| rows.first().and_then(|r| r.get(i).cloned().flatten());
        let number = |i: usize| cell(i).and_then(|v| v.trim().parse::<u64>().ok());
        let count = number(0).unwrap_or(0);
        let db = cell(1).unwrap_or_else(|| "0".to_string());
        let mut may_be_cut = false;
        if self.dialect() == Dialect::MySql && count > 0 {
            let limit = number(2).unwrap_or(0);
            let fixed: u64 = self
                .cols
                .iter()
                .zip(&self.places)
                .filter(|(_, p)| **p != Place::InRust)
                .filter_map(|(c, _)| max_piece_bytes(&c.kind))
                .sum();
            // A measured piece is at most twice its bytes (every `|` doubled, or hex) and
            // its NULL marker and separator.
            let measured_bytes = (0..measured.len())
                .map(|i| number(3 + i).map_or(u64::MAX, |b| b.saturating_mul(2)))
                .fold(
                    count.saturating_mul(4 * measured.len() as u64),
                    u64::saturating_add,
                );
            let bound = count.saturating_mul(fixed).saturating_add(measured_bytes);
            may_be_cut = bound >= limit;
        }
        let rust = self.rust_sum(r, range).await?;
        Ok(ChunkSum {
            rows: count,
            db,
            may_be_cut,
            rust,
        })
    }

    /// A digest of every row of `range` (key and canonical text), for narrowing a
    /// differing range down to its rows in one pass.
    pub async fn row_digests(
        &self,
        r: &TablePair,
        range: &KeyRange,
    ) -> Result<Vec<RowDigest>, ReconError> {
        let rust_cols = self.rust_cols();
        let mut list = self.key_select_list();
        let mut kinds = self.key_kinds();
        let nkey = kinds.len();
        let hash = match (self.dialect(), self.row_text()) {
            (_, None) => "'0'".to_string(),
            (Dialect::MySql, Some(row)) => format!("LEFT(SHA2({row}, 256), 32)"),
            (_, Some(row)) => {
                format!("left(encode(sha256(convert_to({row}, 'UTF8')), 'hex'), 32)")
            }
        };
        list.push_str(&format!(", {hash} AS h"));
        kinds.push(Kind::Text { max_chars: None });
        if !rust_cols.is_empty() {
            let cols = rust_cols.iter().map(|&i| &self.cols[i]);
            list.push_str(&format!(", {}", self.select_list(cols, "r")));
            kinds.extend(rust_cols.iter().map(|&i| self.cols[i].kind.clone()));
        }
        let sql = format!(
            "SELECT {list} FROM {} WHERE {}",
            self.from(),
            self.filter(r, range)
        );
        let key_positions: Vec<usize> = (0..nkey).collect();
        let rows = fetch_values(&self.pool, &sql, &kinds, &key_positions)
            .await
            .map_err(|e| ReconError::read(self.name, e))?;
        let mut buf = String::new();
        Ok(rows
            .into_iter()
            .map(|mut row| {
                let rest = row.split_off(nkey);
                let digest = match rest.first() {
                    Some(Value::Text(h)) => {
                        buf.clear();
                        buf.push_str(h);
                        for (v, k) in rest[1..].iter().zip(&kinds[nkey + 1..]) {
                            push_piece(&mut buf, v, k);
                        }
                        Some(if rest.len() > 1 {
                            let mut hex = String::new();
                            push_hex(&mut hex, &Sha256::digest(buf.as_bytes()));
                            hex
                        } else {
                            buf.clone()
                        })
                    }
                    _ => None,
                };
                RowDigest { key: row, digest }
            })
            .collect())
    }

    /// The wrapping sum of the hashes of (key, Rust-side columns) per row.
    async fn rust_sum(&self, r: &TablePair, range: &KeyRange) -> Result<u128, ReconError> {
        let rust_cols = self.rust_cols();
        if rust_cols.is_empty() {
            return Ok(0);
        }
        let mut cols: Vec<usize> = self.key_idx.clone();
        cols.extend(rust_cols.iter().filter(|i| !self.key_idx.contains(i)));
        let list = self.select_list(cols.iter().map(|&i| &self.cols[i]), "c");
        let kinds: Vec<Kind> = cols.iter().map(|&i| self.cols[i].kind.clone()).collect();
        let sql = format!(
            "SELECT {list} FROM {} WHERE {}",
            self.from(),
            self.filter(r, range)
        );
        let key_positions: Vec<usize> = (0..self.key_idx.len()).collect();
        let rows = fetch_values(&self.pool, &sql, &kinds, &key_positions)
            .await
            .map_err(|e| ReconError::read(self.name, e))?;
        let mut sum: u128 = 0;
        let mut buf = String::new();
        for row in &rows {
            buf.clear();
            for (v, k) in row.iter().zip(&kinds) {
                push_piece(&mut buf, v, k);
            }
            let digest = Sha256::digest(buf.as_bytes());
            let mut first = [0u8; 16];
            first.copy_from_slice(&digest[..16]);
            sum = sum.wrapping_add(u128::from_be_bytes(first));
        }
        Ok(sum)
    }

    /// Every row of `range` (or of the given keys in it), all columns, ordered by the key.
    pub async fn rows(
        &self,
        r: &TablePair,
        range: &KeyRange,
        keys: Option<&[Vec<Value>]>,
    ) -> Result<Vec<Vec<Value>>, ReconError> {
        let list = self.select_list(&self.cols, "c");
        let kinds: Vec<Kind> = self.cols.iter().map(|c| c.kind.clone()).collect();
        let filter = match keys {
            None => self.filter(r, range),
            Some(keys) => format!("{} AND ({})", self.filter(r, range), self.key_in(keys)),
        };
        let sql = format!(
            "SELECT {list} FROM {} WHERE {filter} ORDER BY {}",
            self.from(),
            self.order_by()
        );
        fetch_values(&self.pool, &sql, &kinds, &self.key_idx)
            .await
            .map_err(|e| ReconError::read(self.name, e))
    }

    /// `(k1 = .. AND k2 = ..) OR ...` for a list of keys (FALSE when empty).
    pub fn key_in(&self, keys: &[Vec<Value>]) -> String {
        if keys.is_empty() {
            return "1 = 0".into();
        }
        keys.iter()
            .map(|key| self.key_eq(key))
            .map(|k| format!("({k})"))
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    /// `k1 = .. AND k2 = ..` for one key: the native equality (which the index serves) and,
    /// for text, the byte equality too (a case-insensitive or PAD SPACE collation must not
    /// match `B` for `b` or `a` for `a `).
    pub fn key_eq(&self, key: &[Value]) -> String {
        let lit = |v: &Value| crate::db::sql::literal(self.style, v);
        let mut parts: Vec<String> = self
            .key
            .iter()
            .zip(key)
            .map(|(k, v)| format!("{} = {}", self.q(k), lit(v)))
            .collect();
        for ((e, k), v) in self.key_exprs.iter().zip(&self.key).zip(key) {
            if *e != self.q(k) {
                parts.push(format!("{e} = {}", lit(v)));
            }
        }
        parts.join(" AND ")
    }

    /// Range bounds about `every` rows apart, in this side's key order ([`Side::order_by`]),
    /// read in one pass (for keys whose native order depends on a collation).
    pub async fn sample_bounds(&self, every: u64) -> Result<Vec<Vec<Value>>, ReconError> {
        let list = self.key_select_list();
        let outer: Vec<String> = (0..self.key.len()).map(|i| format!("k{i}")).collect();
        let filter = self
            .job_filter
            .as_ref()
            .map_or(String::new(), |f| format!(" WHERE ({f})"));
        let sql = format!(
            "SELECT {} FROM (SELECT {list}, ROW_NUMBER() OVER (ORDER BY {}) AS rn FROM {}{filter}) x \
             WHERE rn % {every} = 0 ORDER BY rn",
            outer.join(", "),
            self.order_by(),
            self.from()
        );
        fetch_values(&self.pool, &sql, &self.key_kinds(), &[])
            .await
            .map_err(|e| ReconError::read(self.name, e))
    }

    /// The key of the `offset`-th row of `range` (for bisection).
    pub async fn key_at(
        &self,
        r: &TablePair,
        range: &KeyRange,
        offset: u64,
    ) -> Result<Option<Vec<Value>>, ReconError> {
        let list = self.key_select_list();
        let sql = format!(
            "SELECT {list} FROM {} WHERE {} ORDER BY {} LIMIT 1 OFFSET {offset}",
            self.from(),
            self.filter(r, range),
            self.order_by()
        );
        let kinds = self.key_kinds();
        let rows = fetch_values(&self.pool, &sql, &kinds, &[])
            .await
            .map_err(|e| ReconError::read(self.name, e))?;
        Ok(rows.into_iter().next())
    }

    /// The canonical text of a row's key (to match rows across sides).
    pub fn key_text(&self, row: &[Value]) -> String {
        let key: Vec<Value> = self.key_idx.iter().map(|&i| row[i].clone()).collect();
        self.key_text_of(&key)
    }

    /// The canonical text of key values (in key order).
    pub fn key_text_of(&self, key: &[Value]) -> String {
        let mut out = String::new();
        for (v, &i) in key.iter().zip(&self.key_idx) {
            match text(v, &self.cols[i].kind) {
                None => out.push('N'),
                Some(t) => {
                    out.push_str(&format!("V{}:{t}", t.len()));
                }
            }
        }
        out
    }
}
