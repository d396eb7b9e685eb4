//! Names in a runbook: what an identifier may look like, and "did you mean" suggestions.

/// Step ids, handles, job, probe and connection names: letters, digits, `-`, `_`, `.`.
/// (No `:` so that `requires = ["copy:NAME"]` stays unambiguous; no spaces so that ids can
/// be typed on a command line.)
pub fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A runbook name as the tail of an environment variable: upper-cased, anything not an
/// ASCII letter or digit as `_` (`li.wei-2` -> `LI_WEI_2`).
pub fn env_suffix(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The candidate closest to `name` by edit distance, when it is close enough to be a typo.
pub fn closest<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)` or nothing.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    closest(name, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Edit distance over characters where swapping two neighbours counts as one edit
/// (optimal string alignment), so `alcie` is one typo away from `alice`. strsim is already
/// in the build (clap's own suggestions use it).
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_identifier("freeze-writes"));
        assert!(is_identifier("step_1.2"));
        assert!(!is_identifier(""));
        assert!(!is_identifier("copy:x"));
        assert!(!is_identifier("two words"));
    }

    #[test]
    fn suggestions_only_for_near_misses() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("alcie", "alice"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest("alcie", ["alice", "bob"]), Some("alice"));
        assert_eq!(closest("zed", ["alice", "bob"]), None);
        assert_eq!(did_you_mean("dirs", ["dri", "title"]), "");
        assert_eq!(
            did_you_mean("dir", ["dri", "title"]),
            " (did you mean `dri`?)"
        );
    }
}
