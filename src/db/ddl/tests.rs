use super::*;

fn col(name: &str, declared: &str, kind: Kind, nullable: bool) -> SourceColumn {
    SourceColumn {
        column: Column {
            name: name.into(),
            declared: declared.into(),
            kind,
            nullable,
            charset: None,
        },
        target_name: name.into(),
        collation: None,
    }
}

fn input(source: Dialect, target: Dialect, columns: Vec<SourceColumn>) -> CreateInput {
    CreateInput {
        source,
        target,
        table: TableRef::parse("payments"),
        columns,
        key: vec!["id".into()],
        indexes: vec![SourceIndex {
            name: "idx_created".into(),
            columns: vec!["created_at".into()],
            unique: false,
        }],
        bytes_collation: Some("utf8mb4_nopad_bin".into()),
    }
}

fn mysql_payments() -> Vec<SourceColumn> {
    vec![
        col(
            "id",
            "bigint(20) unsigned",
            Kind::Int {
                bytes: 8,
                unsigned: true,
            },
            false,
        ),
        col(
            "amount",
            "decimal(18,2)",
            Kind::Decimal {
                precision: Some(18),
                scale: Some(2),
            },
            false,
        ),
        col(
            "note",
            "varchar(200)",
            Kind::Text {
                max_chars: Some(200),
            },
            true,
        ),
        col(
            "body",
            "text",
            Kind::Text {
                max_chars: Some(65_535),
            },
            true,
        ),
        col(
            "created_at",
            "datetime(6)",
            Kind::DateTime { fsp: 6 },
            false,
        ),
        col(
            "state",
            "enum('new','paid')",
            Kind::Enum {
                labels: vec!["new".into(), "paid".into()],
            },
            false,
        ),
        col("doc", "json", Kind::Json, true),
    ]
}

#[test]
fn mysql_to_postgres_follows_the_type_mapping() {
    let p = plan(&input(Dialect::MySql, Dialect::Postgres, mysql_payments())).unwrap();
    assert_eq!(
        p.create_table,
        "CREATE TABLE \"payments\" (\n  \"id\" numeric(20,0) NOT NULL,\n  \"amount\" numeric(18,2) NOT NULL,\n  \"note\" varchar(200),\n  \"body\" text,\n  \"created_at\" timestamp(6) NOT NULL,\n  \"state\" text CHECK (\"state\" IN ('new', 'paid')) NOT NULL,\n  \"doc\" json,\n  PRIMARY KEY (\"id\")\n)"
    );
    // Index names are per schema in PostgreSQL: prefixed with the table's.
    assert_eq!(
        p.indexes,
        vec![(
            "payments_idx_created".to_string(),
            "CREATE INDEX \"payments_idx_created\" ON \"payments\" (\"created_at\")".to_string()
        )]
    );
}

#[test]
fn text_keys_into_mysql_compare_bytes_and_unbounded_ones_are_refused() {
    let key = |declared: &str, max| vec![col("id", declared, Kind::Text { max_chars: max }, false)];
    let p = plan(&input(
        Dialect::Postgres,
        Dialect::MySql,
        key("character varying(64)", Some(64)),
    ))
    .unwrap();
    assert!(
        p.create_table
            .contains("`id` VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL"),
        "{}",
        p.create_table
    );
    let err = plan(&input(Dialect::Postgres, Dialect::MySql, key("text", None))).unwrap_err();
    assert_eq!(err.column, "id");
    assert!(err.to_string().contains("column `id` (text)"), "{err}");
    let mut no_nopad = input(
        Dialect::Postgres,
        Dialect::MySql,
        key("character varying(64)", Some(64)),
    );
    no_nopad.bytes_collation = None;
    assert!(plan(&no_nopad).unwrap_err().why.contains("collide"));
}

#[test]
fn a_mapping_that_would_lose_digits_names_the_column() {
    let cols = vec![
        col(
            "id",
            "integer",
            Kind::Int {
                bytes: 4,
                unsigned: false,
            },
            false,
        ),
        col(
            "total",
            "numeric",
            Kind::Decimal {
                precision: None,
                scale: None,
            },
            true,
        ),
    ];
    let err = plan(&input(Dialect::Postgres, Dialect::MySql, cols.clone())).unwrap_err();
    assert_eq!(err.column, "total");
    assert!(err.to_string().contains("create payments by hand"), "{err}");
    // PostgreSQL and SQLite hold an unbounded numeric.
    assert!(plan(&input(Dialect::Postgres, Dialect::Sqlite, cols))
        .unwrap()
        .create_table
        .contains("\"total\" TEXT"));
}

#[test]
fn same_dialect_keeps_the_declared_type_and_collation() {
    let mut note = col(
        "note",
        "varchar(20)",
        Kind::Text {
            max_chars: Some(20),
        },
        true,
    );
    note.column.charset = Some("latin1".into());
    note.collation = Some("latin1_bin".into());
    let cols = vec![
        col(
            "id",
            "bigint(20) unsigned",
            Kind::Int {
                bytes: 8,
                unsigned: true,
            },
            false,
        ),
        note,
    ];
    let p = plan(&input(Dialect::MySql, Dialect::MySql, cols)).unwrap();
    assert!(p
        .create_table
        .contains("`note` varchar(20) CHARACTER SET latin1 COLLATE latin1_bin,"));
    assert!(p.create_table.contains("`id` bigint(20) unsigned NOT NULL"));
    assert_eq!(p.indexes[0].0, "idx_created");
}

#[test]
fn an_unknown_type_across_dialects_is_refused() {
    let cols = vec![
        col(
            "id",
            "integer",
            Kind::Int {
                bytes: 4,
                unsigned: false,
            },
            false,
        ),
        col(
            "area",
            "polygon",
            Kind::Other {
                name: "polygon".into(),
            },
            true,
        ),
    ];
    let err = plan(&input(Dialect::Postgres, Dialect::MySql, cols.clone())).unwrap_err();
    assert!(err
        .to_string()
        .contains("no mapping for the type `polygon`"));
    assert!(plan(&input(Dialect::Postgres, Dialect::Postgres, cols)).is_ok());
}
