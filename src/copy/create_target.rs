//! `create_target = true`: a copy job whose target table does not exist creates it from the
//! source's columns (`db::ddl`, the documented type mapping), primary key included, and adds
//! the source's secondary indexes once the load is complete.
//!
//! Never silently: a table that exists is used as it is (never altered), a column the
//! mapping would lose data in refuses the whole job, naming it, and the tables warroom made
//! are recorded in `_warroom_created_tables` next to them, so only those get indexes added
//! (also when the load finishes in a later, resumed run).

use crate::db::ddl::{self, CreatePlan, DeriveError, TableShape};
use crate::db::introspect::{self, IntrospectError};
use crate::db::rows::{execute, fetch_text};
use crate::db::sql::{literal, LiteralStyle, TableRef};
use crate::db::value::Value;
use crate::db::{facts, DbPool, Dialect};
use crate::runbook::CopySpec;

use super::error::CopyError;

/// The record of the tables warroom created, next to each.
pub const CREATED: &str = "_warroom_created_tables";

/// Creates the target table when it is missing. `Ok(true)`: this call created it.
pub async fn ensure(spec: &CopySpec, source: &DbPool, target: &DbPool) -> Result<bool, CopyError> {
    let table = TableRef::parse(&spec.target_table);
    match introspect::columns(target, &table).await {
        Ok(_) => return Ok(false),
        Err(IntrospectError::Missing { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    let plan = plan(spec, source, target).await?;
    let d = target.dialect();
    // The record first: a crash between the two leaves a record of a table not yet there,
    // which the next run creates; never a table of ours without its record.
    let marker = Marker::new(&table, d);
    marker.record(target, &spec.name).await?;
    execute(target, &plan.create_table)
        .await
        .map_err(|e| CopyError::db(format!("creating {table}"), e))?;
    tracing::info!(job = %spec.name, table = %table, "created the target table");
    Ok(true)
}

/// After a complete load: the source's secondary indexes that a table warroom created does
/// not have yet, by name. Returns the names it created.
pub async fn add_indexes(
    spec: &CopySpec,
    source: &DbPool,
    target: &DbPool,
) -> Result<Vec<String>, CopyError> {
    let table = TableRef::parse(&spec.target_table);
    let d = target.dialect();
    if !Marker::new(&table, d).holds(target, &spec.name).await? {
        return Ok(Vec::new());
    }
    let plan = plan(spec, source, target).await?;
    let existing = facts::read(target, &table)
        .await
        .map(|f| f.indexes.into_iter().map(|i| i.name).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut created = Vec::new();
    for (name, sql) in plan.indexes {
        if existing.iter().any(|e| e == &name) {
            continue;
        }
        execute(target, &sql).await.map_err(|e| {
            CopyError::db(
                format!("the copy is complete, but creating index {name} on {table}"),
                e,
            )
        })?;
        created.push(name);
    }
    Ok(created)
}

/// The DDL for the job's target, from the source as it is now.
async fn plan(spec: &CopySpec, source: &DbPool, target: &DbPool) -> Result<CreatePlan, CopyError> {
    let shape = TableShape {
        source_table: &spec.source_table,
        target_table: &spec.target_table,
        key: &spec.key,
        columns: spec.columns.as_deref(),
        rename: &spec.rename,
    };
    ddl::derive(&shape, source, target)
        .await
        .map_err(|e| match e {
            DeriveError::Introspect(e) => e.into(),
            DeriveError::UnknownColumn { .. } => CopyError::Spec {
                job: spec.name.clone(),
                msg: e.to_string(),
            },
            DeriveError::Ddl(error) => CopyError::CreateTarget {
                job: spec.name.clone(),
                error,
            },
        })
}

/// One table's row in `_warroom_created_tables`.
struct Marker {
    at: TableRef,
    table: String,
    name: String,
    style: LiteralStyle,
}

impl Marker {
    fn new(target: &TableRef, d: Dialect) -> Marker {
        let at = TableRef {
            schema: target.schema.clone(),
            name: CREATED.to_string(),
        };
        Marker {
            table: at.quoted(d),
            at,
            name: target.name.clone(),
            style: LiteralStyle::new(d),
        }
    }

    fn lit(&self, s: &str) -> String {
        literal(self.style, &Value::Text(s.to_string()))
    }

    async fn record(&self, target: &DbPool, job: &str) -> Result<(), CopyError> {
        let err = |e| CopyError::db(format!("recording the created table in {CREATED}"), e);
        execute(
            target,
            &format!(
                "CREATE TABLE IF NOT EXISTS {} (job VARCHAR(200) NOT NULL, \
                 table_name VARCHAR(200) NOT NULL, PRIMARY KEY (job, table_name))",
                self.table
            ),
        )
        .await
        .map_err(err)?;
        if !self.holds(target, job).await? {
            execute(
                target,
                &format!(
                    "INSERT INTO {} (job, table_name) VALUES ({}, {})",
                    self.table,
                    self.lit(job),
                    self.lit(&self.name)
                ),
            )
            .await
            .map_err(err)?;
        }
        Ok(())
    }

    /// Whether `job` created this table. A target without the record table holds none.
    async fn holds(&self, target: &DbPool, job: &str) -> Result<bool, CopyError> {
        let sql = format!(
            "SELECT 1 FROM {} WHERE job = {} AND table_name = {}",
            self.table,
            self.lit(job),
            self.lit(&self.name)
        );
        match fetch_text(target, &sql).await {
            Ok(rows) => Ok(!rows.is_empty()),
            Err(e) => match introspect::columns(target, &self.at).await {
                Err(IntrospectError::Missing { .. }) => Ok(false),
                _ => Err(CopyError::db(format!("reading {CREATED}"), e)),
            },
        }
    }
}
