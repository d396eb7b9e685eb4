//! What one measurement of a probe found, before thresholds: the one type every kind of
//! probe (Prometheus, SQL, HTTP) returns and the probe classifies.

use super::sample::Labels;

/// What one measurement found, before thresholds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reading {
    /// Whether the series carry labels worth showing (Prometheus).
    pub labelled: bool,
    /// The values measured; empty means no data.
    pub series: Vec<(Labels, f64)>,
    /// Why there is no data, when `series` is empty.
    pub no_data: Option<String>,
}

impl Reading {
    pub(crate) fn one(value: f64) -> Reading {
        Reading {
            labelled: false,
            series: vec![(Labels::new(), value)],
            no_data: None,
        }
    }

    pub(crate) fn none(why: String) -> Reading {
        Reading {
            labelled: false,
            series: vec![],
            no_data: Some(why),
        }
    }
}
