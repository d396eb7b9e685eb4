//! Finding the one mistake behind a cascade of TOML syntax errors.
//!
//! A bracket or a quote left open makes the TOML parser read the rest of the file as the
//! inside of it: hundreds of errors, the first one a line late. So does `""` written for
//! `"""`: the text below it is read as keys. This scan reads the file's shape (table
//! headers, `key = value` lines, strings, lists, inline tables) just far enough to find the
//! first opener that is never closed, and names it at its own line.
//!
//! It runs only on a file the parser refused, and it gives up (says nothing) wherever the
//! file does something it does not follow: the parser's own errors are reported then.

use std::ops::Range;

use super::diagnostic::{Diagnostic, SourceMap};

/// The first opener in `text` that is never closed, as a diagnostic at the opener.
pub fn first_unclosed(map: &SourceMap, text: &str) -> Option<Diagnostic> {
    let mut scan = Scan {
        text: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    match scan.file() {
        Err(Stop::Found(found)) => Some(found.diagnostic(map)),
        Ok(()) | Err(Stop::GiveUp) => None,
    }
}

/// What was left open, where, and what showed it.
struct Found {
    opener: Range<usize>,
    /// The opener as written: `[`, `[[`, `"`, `"""`...
    written: String,
    kind: Kind,
    /// Where a line that cannot be inside the opener begins; `None`: the file ended.
    shown_by: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Header,
    Array,
    InlineTable,
    String,
    MultiLineString,
    /// `""` (or `''`) followed by lines that are not TOML: meant as `"""`.
    EmptyString,
}

enum Stop {
    Found(Found),
    /// The file does something this scan does not follow.
    GiveUp,
}

type Step<T = ()> = Result<T, Stop>;

impl Found {
    fn diagnostic(&self, map: &SourceMap) -> Diagnostic {
        let opener = self.written.as_str();
        let until = match self.shown_by {
            Some(at) => format!(
                "before line {}, which cannot be inside it",
                map.line_col(at).0
            ),
            None => "before the end of the file".to_string(),
        };
        let (message, help) = match self.kind {
            Kind::Header => (
                format!("this `{opener}` is never closed"),
                format!(
                    "a table header is one line: `[name]` or `[[name]]`; close it with `{}`",
                    opener.replace('[', "]")
                ),
            ),
            Kind::Array => (
                "this `[` is never closed".to_string(),
                format!("close the list with `]` {until}"),
            ),
            Kind::InlineTable => (
                "this `{` is never closed".to_string(),
                format!("close the table with `}}` {until}"),
            ),
            Kind::String => (
                format!("this `{opener}` is never closed"),
                format!(
                    "a string ends on its line: close it with `{opener}`, or write text over several lines between `{opener}{opener}{opener}` and `{opener}{opener}{opener}`"
                ),
            ),
            Kind::MultiLineString => (
                format!("this `{opener}` is never closed"),
                format!("close the text with `{opener}` {until}"),
            ),
            Kind::EmptyString => (
                format!(
                    "`{opener}` is an empty string, so the lines after it are read as TOML"
                ),
                format!(
                    "to write text over several lines, open it with `{q}{q}{q}` and close it with `{q}{q}{q}`",
                    q = &opener[..1]
                ),
            ),
        };
        map.error(self.opener.clone(), message, help)
    }
}

/// A cursor over the file's bytes. TOML's structure is ASCII; other bytes only ever sit
/// inside strings, comments and bare values, which are skipped byte by byte.
#[derive(Clone, Copy)]
struct Scan<'a> {
    text: &'a [u8],
    pos: usize,
    /// Lists and inline tables the cursor is inside.
    depth: usize,
}

/// Deeper nesting than any runbook has: the scan gives up rather than recurse further.
const MAX_DEPTH: usize = 32;

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.text
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(s))
    }

    /// Stops the scan: the opener at `start`, `width` bytes wide, is never closed.
    fn unclosed<T>(
        &self,
        start: usize,
        width: usize,
        kind: Kind,
        shown_by: Option<usize>,
    ) -> Step<T> {
        let opener = start..start + width;
        Err(Stop::Found(Found {
            written: String::from_utf8_lossy(&self.text[opener.clone()]).into_owned(),
            opener,
            kind,
            shown_by,
        }))
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// To the start of the next line.
    fn skip_line(&mut self) {
        while let Some(b) = self.peek() {
            self.pos += 1;
            if b == b'\n' {
                return;
            }
        }
    }

    /// Blanks, line ends and comments, as between the items of a list; whether a line
    /// ended on the way.
    fn skip_space(&mut self) -> bool {
        let mut newline = false;
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\r') => self.pos += 1,
                Some(b'\n') => {
                    newline = true;
                    self.pos += 1;
                }
                Some(b'#') => {
                    while !matches!(self.peek(), None | Some(b'\n')) {
                        self.pos += 1;
                    }
                }
                _ => return newline,
            }
        }
    }

    /// The whole file, line by line at the top level.
    fn file(&mut self) -> Step {
        // The last value, when it was an empty string ending its line.
        let mut empty_string: Option<Range<usize>> = None;
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return Ok(()),
                Some(b'\n' | b'\r' | b'#') => self.skip_line(),
                Some(b'[') => {
                    self.header()?;
                    empty_string = None;
                }
                Some(_) => {
                    if self.key() {
                        let value = self.value()?;
                        empty_string = self.is_empty_string(&value).then_some(value);
                        self.skip_line();
                    } else if let Some(opener) = empty_string.take() {
                        return self.unclosed(opener.start, 2, Kind::EmptyString, Some(self.pos));
                    } else {
                        // Not `key = value`: the parser says what is wrong with it.
                        self.skip_line();
                    }
                }
            }
        }
    }

    fn is_empty_string(&self, value: &Range<usize>) -> bool {
        matches!(self.text.get(value.clone()), Some(b"\"\"" | b"''"))
    }

    /// `[name]` or `[[name]]`, on one line.
    fn header(&mut self) -> Step {
        let start = self.pos;
        let width = if self.starts_with(b"[[") { 2 } else { 1 };
        self.pos += width;
        loop {
            match self.peek() {
                None | Some(b'\n') => return self.unclosed(start, width, Kind::Header, None),
                Some(b']') => {
                    self.skip_line();
                    return Ok(());
                }
                Some(q @ (b'"' | b'\'')) => self.one_line_string(q)?,
                Some(_) => self.pos += 1,
            }
        }
    }

    /// A key (bare, quoted or dotted) and its `=`, on one line: consumed when there, else
    /// the cursor is left where it was.
    fn key(&mut self) -> bool {
        let mut probe = *self;
        if probe.key_then_equals() {
            *self = probe;
            true
        } else {
            false
        }
    }

    fn key_then_equals(&mut self) -> bool {
        loop {
            self.skip_blanks();
            match self.peek() {
                Some(q @ (b'"' | b'\'')) => {
                    if self.one_line_string(q).is_err() {
                        return false;
                    }
                }
                Some(b) if is_bare_key(b) => {
                    while self.peek().is_some_and(is_bare_key) {
                        self.pos += 1;
                    }
                }
                _ => return false,
            }
            self.skip_blanks();
            match self.peek() {
                Some(b'.') => self.pos += 1,
                Some(b'=') => {
                    self.pos += 1;
                    return true;
                }
                _ => return false,
            }
        }
    }

    /// Whether the line at the cursor starts something that can only stand at the top level
    /// of the file: a table header or `key = value`.
    fn starts_top_level(&self) -> bool {
        let mut probe = *self;
        if probe.peek() == Some(b'[') {
            probe.pos += 1;
            if probe.peek() == Some(b'[') {
                probe.pos += 1;
            }
            let word_start = probe.pos;
            while probe.peek().is_some_and(is_bare_key) {
                probe.pos += 1;
            }
            let word = &probe.text[word_start..probe.pos];
            // `[true, false]` in a list of lists is a value, not a header.
            return !word.is_empty()
                && word[0].is_ascii_alphabetic()
                && !matches!(word, b"true" | b"false" | b"inf" | b"nan")
                && matches!(probe.peek(), Some(b']' | b'.'));
        }
        probe.key()
    }

    /// One value; returns its span.
    fn value(&mut self) -> Step<Range<usize>> {
        self.skip_blanks();
        let start = self.pos;
        match self.peek() {
            Some(b'"') if self.starts_with(b"\"\"\"") => self.multi_line_string(b'"')?,
            Some(b'\'') if self.starts_with(b"'''") => self.multi_line_string(b'\'')?,
            Some(q @ (b'"' | b'\'')) => self.one_line_string(q)?,
            Some(b'[') => self.container(b']', Kind::Array)?,
            Some(b'{') => self.container(b'}', Kind::InlineTable)?,
            _ => self.scalar()?,
        }
        Ok(start..self.pos)
    }

    /// A number, boolean or date: up to the next separator.
    fn scalar(&mut self) -> Step {
        let start = self.pos;
        while !matches!(
            self.peek(),
            None | Some(b',' | b']' | b'}' | b'#' | b' ' | b'\t' | b'\r' | b'\n')
        ) {
            self.pos += 1;
        }
        // `1979-05-27 07:32:00`: a date, a space, a time.
        let is_date = self.pos - start == 10 && self.text[start + 4] == b'-';
        if is_date
            && self.peek() == Some(b' ')
            && self.text.get(self.pos + 1).is_some_and(u8::is_ascii_digit)
        {
            self.pos += 1;
            return self.scalar();
        }
        if self.pos == start {
            return Err(Stop::GiveUp);
        }
        Ok(())
    }

    /// `"..."` or `'...'`, which must end on its line.
    fn one_line_string(&mut self, quote: u8) -> Step {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek() {
                None | Some(b'\n') => return self.unclosed(start, 1, Kind::String, None),
                Some(b'\\') if quote == b'"' && self.text.get(self.pos + 1) != Some(&b'\n') => {
                    self.pos += 2;
                }
                Some(b) if b == quote => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// `"""..."""` or `'''...'''`.
    fn multi_line_string(&mut self, quote: u8) -> Step {
        let start = self.pos;
        let delimiter = [quote; 3];
        self.pos += 3;
        loop {
            if self.starts_with(&delimiter) {
                self.pos += 3;
                // Up to two quotes may end the text right before its delimiter.
                for _ in 0..2 {
                    if self.peek() == Some(quote) {
                        self.pos += 1;
                    }
                }
                return Ok(());
            }
            match self.peek() {
                None => return self.unclosed(start, 3, Kind::MultiLineString, None),
                Some(b'\\') if quote == b'"' => self.pos += 2,
                Some(_) => self.pos += 1,
            }
        }
    }

    /// A list `[...]` (values) or an inline table `{...}` (`key = value`s), which may span
    /// lines. Unclosed when the file ends inside it, or when a line in it starts what only
    /// the top level may hold.
    fn container(&mut self, close: u8, kind: Kind) -> Step {
        if self.depth == MAX_DEPTH {
            return Err(Stop::GiveUp);
        }
        self.depth += 1;
        let inside = self.container_items(close, kind);
        self.depth -= 1;
        inside
    }

    fn container_items(&mut self, close: u8, kind: Kind) -> Step {
        let start = self.pos;
        self.pos += 1;
        loop {
            let newline = self.skip_space();
            match self.peek() {
                None => return self.unclosed(start, 1, kind, None),
                Some(b) if b == close => {
                    self.pos += 1;
                    return Ok(());
                }
                _ if newline && self.cannot_be_an_item_of(kind) => {
                    return self.unclosed(start, 1, kind, Some(self.pos))
                }
                _ => {
                    if kind == Kind::InlineTable && !self.key() {
                        return Err(Stop::GiveUp);
                    }
                    self.value()?;
                }
            }
            let newline = self.skip_space();
            match self.peek() {
                None => return self.unclosed(start, 1, kind, None),
                Some(b',') => self.pos += 1,
                Some(b) if b == close => {
                    self.pos += 1;
                    return Ok(());
                }
                _ if newline && self.starts_top_level() => {
                    return self.unclosed(start, 1, kind, Some(self.pos))
                }
                _ => return Err(Stop::GiveUp),
            }
        }
    }

    /// A list's items are values, never `key =` or a table header; an inline table holds
    /// `key = value`s (over several lines, in TOML 1.1) but no table header.
    fn cannot_be_an_item_of(&self, kind: Kind) -> bool {
        let header = self.peek() == Some(b'[');
        self.starts_top_level() && (kind == Kind::Array || header)
    }
}

fn is_bare_key(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Option<(usize, usize, String)> {
        let map = SourceMap::new("f.toml", text);
        first_unclosed(&map, text).map(|d| (d.line, d.column, d.message))
    }

    #[test]
    fn well_formed_files_have_nothing_unclosed() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks");
        for entry in std::fs::read_dir(dir).expect("runbooks/") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("read");
            assert_eq!(found(&text), None, "{}", path.display());
        }
        let shapes = "a = [[1, 2], [true]]\nb = { c = 1,\n  d = [\"x\",\n\"y\"] }\n\
                      e = 1979-05-27 07:32:00\nf = '''it's\n'''\ng = \"\"\"q\\\"\"\"\"\"\n";
        assert_eq!(found(shapes), None);
    }

    #[test]
    fn deep_nesting_is_given_up_not_overflowed() {
        let deep = format!("a = {}", "[".repeat(100_000));
        assert_eq!(found(&deep), None);
    }

    proptest::proptest! {
        /// Whatever the text: a finding or none, never a panic or a loop.
        #[test]
        fn any_text_scans_cleanly(text in "[\\[\\]{}\"'=,#.a-z0-9 \n\\\\]{0,200}") {
            let _ = found(&text);
        }
    }

    #[test]
    fn each_opener_is_found_at_its_line() {
        let list = "a = [1,\n2\nb = 3\n";
        assert_eq!(found(list), Some((1, 5, "this `[` is never closed".into())));
        let at_the_end = "x = 1\na = { b = 1\n";
        assert_eq!(
            found(at_the_end),
            Some((2, 5, "this `{` is never closed".into()))
        );
        let header = "[[phase.step\nid = 1\n";
        assert_eq!(
            found(header),
            Some((1, 1, "this `[[` is never closed".into()))
        );
    }
}
