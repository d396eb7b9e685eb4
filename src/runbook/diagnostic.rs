//! Diagnostics in the style of rustc/cargo: `file:line:col: error: message`, the source
//! line with a caret under the offending text, and a `help:` line saying what to do.

use std::fmt;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem found in a runbook file, located by 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    /// 1-based, counted in characters (not bytes).
    pub column: usize,
    pub message: String,
    /// The offending source line (with any literal URL password masked).
    pub snippet: Option<String>,
    pub help: Option<String>,
    /// How many characters the caret under the snippet spans (at least 1).
    pub width: usize,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, the way editors and terminals link to a location.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.location(),
            self.severity,
            self.message
        )?;
        if let Some(snippet) = &self.snippet {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            // Copy tabs from the line so the caret lines up however the terminal renders them.
            let lead: String = snippet
                .chars()
                .take(self.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(f, "\n {gutter} | {snippet}")?;
            write!(f, "\n {pad} | {lead}{}", "^".repeat(self.width.max(1)))?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Maps byte offsets in a source text to line:column and source lines.
#[derive(Debug, Clone)]
pub struct SourceMap<'a> {
    file: &'a str,
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> SourceMap<'a> {
    pub fn new(file: &'a str, text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            file,
            text,
            line_starts,
        }
    }

    pub fn file(&self) -> &str {
        self.file
    }

    /// 1-based (line, column) of a byte offset; the column counts characters.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line_idx = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line_idx).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line_idx + 1, column)
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line_text(&self, line: usize) -> Option<&'a str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        let text = self.text.get(start..end)?;
        Some(text.strip_suffix('\r').unwrap_or(text))
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// A diagnostic located at the start of `span`, with a caret over it (up to the end of
    /// its first line).
    pub fn diagnostic(
        &self,
        severity: Severity,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        let (line, column) = self.line_col(span.start);
        let snippet = self.line_text(line).map(mask_url_passwords);
        let width = match &snippet {
            Some(s) => {
                let span_chars = self
                    .text
                    .get(self.floor_char_boundary(span.start)..self.floor_char_boundary(span.end))
                    .map_or(1, |t| t.chars().count());
                let left_on_line = s.chars().count().saturating_sub(column - 1);
                span_chars.min(left_on_line).max(1)
            }
            None => 1,
        };
        let help = help.into();
        Diagnostic {
            severity,
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
            snippet,
            help: (!help.is_empty()).then_some(help),
            width,
        }
    }

    pub fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        self.diagnostic(Severity::Error, span, message, help)
    }

    pub fn warning(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Diagnostic {
        self.diagnostic(Severity::Warning, span, message, help)
    }
}

/// Replaces a literal password in any `scheme://user:password@host` within `line` by `*`s
/// of the same length (so columns stay right). `${VAR}` placeholders are kept: they are
/// names, not secrets.
pub fn mask_url_passwords(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        // The authority ends at the first '/', whitespace or quote.
        let auth_end = tail
            .find(|c: char| c == '/' || c == '"' || c == '\'' || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..auth_end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                let password = &authority[colon + 1..at];
                out.push_str(&authority[..=colon]);
                if is_placeholder(password) {
                    out.push_str(password);
                } else {
                    out.extend(std::iter::repeat_n('*', password.chars().count()));
                }
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[auth_end..];
    }
    out.push_str(rest);
    out
}

/// True when `text` is exactly one `${NAME}` placeholder.
pub(crate) fn is_placeholder(text: &str) -> bool {
    text.strip_prefix("${")
        .and_then(|t| t.strip_suffix('}'))
        .is_some_and(|name| !name.is_empty() && !name.contains(['{', '}', '$']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_is_one_based_and_utf8_aware() {
        let text = "a = 1\nnamé = \"x\"\n\nz";
        let map = SourceMap::new("f.toml", text);
        assert_eq!(map.line_col(0), (1, 1));
        assert_eq!(map.line_col(4), (1, 5));
        assert_eq!(map.line_col(6), (2, 1));
        // 'é' is two bytes: the '=' after it is the 6th character, at byte 12.
        let eq = text.find(" = \"x").unwrap() + 1;
        assert_eq!(eq, 12);
        assert_eq!(map.line_col(eq), (2, 6));
        assert_eq!(map.line_col(text.len()), (4, 2));
        assert_eq!(map.line_text(2), Some("namé = \"x\""));
        assert_eq!(map.line_text(3), Some(""));
        assert_eq!(map.line_text(9), None);
    }

    #[test]
    fn display_has_location_snippet_caret_and_help() {
        let text = "[x]\ndri = \"bob\"\n";
        let map = SourceMap::new("runbooks/x.toml", text);
        let start = text.find("\"bob\"").unwrap();
        let d = map.error(
            start..start + 5,
            "step `freeze` names unknown DRI `bob`",
            "declare [people.bob] or fix the handle",
        );
        assert_eq!(
            d.to_string(),
            "runbooks/x.toml:2:7: error: step `freeze` names unknown DRI `bob`\n \
             2 | dri = \"bob\"\n   |       ^^^^^\n  help: declare [people.bob] or fix the handle"
        );
    }

    #[test]
    fn caret_stops_at_end_of_line_and_crlf_is_trimmed() {
        let text = "k = \"\"\"\nabc\n\"\"\"\r\nnext = 1\r\n";
        let map = SourceMap::new("f", text);
        let d = map.error(4..text.find("next").unwrap(), "m", "");
        assert_eq!(d.width, 3);
        assert_eq!(d.help, None);
        assert_eq!(map.line_text(3), Some("\"\"\""));
    }

    #[test]
    fn passwords_are_masked_but_placeholders_kept() {
        assert_eq!(
            mask_url_passwords(r#"url = "mysql://app:hunter2@db1:3306/pay""#),
            r#"url = "mysql://app:*******@db1:3306/pay""#
        );
        assert_eq!(
            mask_url_passwords(r#"url = "mysql://app:${SRC_PASSWORD}@db1/pay""#),
            r#"url = "mysql://app:${SRC_PASSWORD}@db1/pay""#
        );
        assert_eq!(
            mask_url_passwords("sqlite://${DIR}/a.db http://h:9090"),
            "sqlite://${DIR}/a.db http://h:9090"
        );
    }
}
