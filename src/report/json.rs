//! The report as JSON: the model itself (see [`super::Report`] for the shape).

use super::model::Report;

pub fn render(report: &Report) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report).map(|mut s| {
        s.push('\n');
        s
    })
}
