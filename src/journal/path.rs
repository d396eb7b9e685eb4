//! Where a new drill's journal goes by default.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// The longest slug kept in a file name.
const MAX_SLUG: usize = 60;

/// `<dir>/drills/<slug-of-name>-<YYYYMMDDTHHMMSSZ>.db`, e.g.
/// `./drills/payments-cutover-20250301T220000Z.db`. `dir` is the base directory (usually the
/// current one); the slug keeps ASCII letters and digits (lowercased) and turns every
/// other run of characters into one `-` (an empty slug becomes `drill`).
pub fn default_path(dir: &Path, runbook_name: &str, now: DateTime<Utc>) -> PathBuf {
    let stamp = now.format("%Y%m%dT%H%M%SZ");
    dir.join("drills")
        .join(format!("{}-{stamp}.db", slug(runbook_name)))
}

fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.truncate(MAX_SLUG);
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "drill".to_string()
    } else {
        out.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn default_path_format() {
        let now = Utc
            .with_ymd_and_hms(2025, 3, 1, 22, 5, 9)
            .single()
            .expect("valid");
        assert_eq!(
            default_path(Path::new("/srv/wr"), "Payments Cutover: dry-run #2", now),
            PathBuf::from("/srv/wr/drills/payments-cutover-dry-run-2-20250301T220509Z.db")
        );
    }

    #[test]
    fn slug_edge_cases() {
        assert_eq!(slug("  --Hello__World--  "), "hello-world");
        assert_eq!(slug("日本"), "drill");
        assert_eq!(slug(""), "drill");
        assert_eq!(slug(&"a".repeat(200)).len(), MAX_SLUG);
    }
}
