//! Screen layouts as data: `layouts/*.toml` describe a tree of splits whose leaves are
//! panels. Three layouts ship embedded; a directory of user files may add or replace them.
//!
//! ```toml
//! description = "what this layout is for"
//! [root]
//! split = "vertical"            # children stacked top to bottom ("horizontal": side by side)
//! [[root.children]]
//! panel = "header"
//! size = 3                      # fixed lines (or columns in a horizontal split)
//! [[root.children]]
//! split = "horizontal"
//! [[root.children.children]]
//! panel = "runbook"
//! size = "45%"                  # share of the parent
//! min = 40                      # below this the panel collapses (hidden)
//! [[root.children.children]]
//! panel = "step"                # no size: shares what is left
//! ```
//!
//! Small terminals: when the children's minimums do not fit, the last child that is not
//! fixed-size is collapsed (hidden) and its space given to the others, repeatedly.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use ratatui::layout::Rect;
use serde::Deserialize;
use toml::Spanned;

use super::panel_kind::PanelKind;

/// The name of the layout used when none is asked for or the asked one is broken.
pub const DEFAULT_LAYOUT: &str = "coordinator";

/// Layouts compiled into the binary: `(name, file text)`.
pub const BUILTIN: [(&str, &str); 3] = [
    (
        "coordinator",
        include_str!("../../layouts/coordinator.toml"),
    ),
    ("observer", include_str!("../../layouts/observer.toml")),
    ("wallboard", include_str!("../../layouts/wallboard.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Children side by side.
    Horizontal,
    /// Children stacked.
    Vertical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Lines(u16),
    Percent(u16),
    /// Share what is left equally with the other `Fill` siblings.
    Fill,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Split { split: Split, children: Vec<Node> },
    Panel(PanelKind),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub size: Size,
    pub min: u16,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub name: String,
    pub description: String,
    pub root: Node,
}

/// A layout file that does not parse or validate: shown as `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.col, self.message
        )
    }
}

impl std::error::Error for LayoutError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDe {
    description: Option<String>,
    root: Spanned<NodeDe>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeDe {
    split: Option<Spanned<String>>,
    children: Option<Vec<Spanned<NodeDe>>>,
    panel: Option<Spanned<String>>,
    size: Option<Spanned<SizeDe>>,
    min: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SizeDe {
    Lines(i64),
    Text(String),
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

impl Layout {
    /// Parses and validates one layout file. `file` names it in errors.
    pub fn parse(name: &str, file: &str, text: &str) -> Result<Layout, LayoutError> {
        let err = |span: Option<Range<usize>>, message: String| {
            let (line, col) = line_col(text, span.map_or(0, |s| s.start));
            LayoutError {
                file: file.to_string(),
                line,
                col,
                message,
            }
        };
        let de: FileDe =
            toml::from_str(text).map_err(|e| err(e.span(), e.message().trim().to_string()))?;
        let span = de.root.span();
        let root = build(de.root.into_inner(), span, &err)?;
        Ok(Layout {
            name: name.to_string(),
            description: de.description.unwrap_or_default(),
            root,
        })
    }

    /// Panels in this layout, in tree order.
    pub fn panels(&self) -> Vec<PanelKind> {
        let mut out = Vec::new();
        collect(&self.root, &mut out);
        out
    }

    /// Where each visible panel goes in `area`.
    pub fn place(&self, area: Rect) -> Vec<(PanelKind, Rect)> {
        let mut out = Vec::new();
        place(&self.root, area, &mut out);
        out
    }
}

fn collect(node: &Node, out: &mut Vec<PanelKind>) {
    match &node.kind {
        NodeKind::Panel(p) => out.push(*p),
        NodeKind::Split { children, .. } => children.iter().for_each(|c| collect(c, out)),
    }
}

fn build<E>(node: NodeDe, span: Range<usize>, err: &E) -> Result<Node, LayoutError>
where
    E: Fn(Option<Range<usize>>, String) -> LayoutError,
{
    let size = match node.size {
        None => Size::Fill,
        Some(s) => {
            let sp = s.span();
            match s.into_inner() {
                // Within 1..=1000, checked by the guard.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                SizeDe::Lines(n) if (1..=1000).contains(&n) => Size::Lines(n as u16),
                SizeDe::Lines(n) => {
                    return Err(err(Some(sp), format!("size {n} is out of range (1..=1000 lines)")))
                }
                SizeDe::Text(t) => match t.strip_suffix('%').map(str::trim).map(str::parse::<u16>) {
                    Some(Ok(p)) if (1..=100).contains(&p) => Size::Percent(p),
                    _ => {
                        return Err(err(
                            Some(sp),
                            format!("size `{t}` is not a percentage (write e.g. \"30%\") or a number of lines (30)"),
                        ))
                    }
                },
            }
        }
    };
    let min = match node.min {
        None => match size {
            Size::Lines(n) => n,
            _ => 0,
        },
        Some(m) => {
            let sp = m.span();
            u16::try_from(*m.get_ref())
                .ok()
                .filter(|m| *m <= 1000)
                .ok_or_else(|| {
                    err(
                        Some(sp),
                        format!("min {} is out of range (0..=1000)", m.get_ref()),
                    )
                })?
        }
    };
    let kind = match (node.split, node.panel) {
        (Some(_), Some(p)) => {
            return Err(err(
                Some(p.span()),
                "a node is either a split (with children) or a panel, not both".into(),
            ))
        }
        (None, None) => {
            return Err(err(
                Some(span),
                "a node needs `split = \"horizontal\"|\"vertical\"` with children, or `panel = \"NAME\"`".into(),
            ))
        }
        (None, Some(p)) => {
            if node.children.is_some() {
                return Err(err(Some(p.span()), "a panel has no children".into()));
            }
            let kind = PanelKind::from_name(p.get_ref()).ok_or_else(|| {
                let names: Vec<&str> = PanelKind::ALL.iter().map(|k| k.name()).collect();
                err(
                    Some(p.span()),
                    format!("unknown panel `{}` (known: {})", p.get_ref(), names.join(", ")),
                )
            })?;
            NodeKind::Panel(kind)
        }
        (Some(s), None) => {
            let split = match s.get_ref().as_str() {
                "horizontal" => Split::Horizontal,
                "vertical" => Split::Vertical,
                other => {
                    return Err(err(
                        Some(s.span()),
                        format!("split must be \"horizontal\" or \"vertical\", not `{other}`"),
                    ))
                }
            };
            let children = node.children.unwrap_or_default();
            if children.is_empty() {
                return Err(err(Some(s.span()), "a split needs at least one child ([[...children]])".into()));
            }
            let children = children
                .into_iter()
                .map(|c| {
                    let sp = c.span();
                    build(c.into_inner(), sp, err)
                })
                .collect::<Result<Vec<_>, _>>()?;
            NodeKind::Split { split, children }
        }
    };
    Ok(Node { size, min, kind })
}

fn place(node: &Node, area: Rect, out: &mut Vec<(PanelKind, Rect)>) {
    if area.is_empty() {
        return;
    }
    match &node.kind {
        NodeKind::Panel(p) => out.push((*p, area)),
        NodeKind::Split { split, children } => {
            let total = match split {
                Split::Horizontal => area.width,
                Split::Vertical => area.height,
            };
            let lens = solve(children, total);
            let mut offset = 0u16;
            for (child, len) in children.iter().zip(lens) {
                if len == 0 {
                    continue;
                }
                let rect = match split {
                    Split::Horizontal => Rect::new(area.x + offset, area.y, len, area.height),
                    Split::Vertical => Rect::new(area.x, area.y + offset, area.width, len),
                };
                offset += len;
                place(child, rect, out);
            }
        }
    }
}

/// Lengths of `children` along a split of `total` cells; 0 means collapsed.
// A layout has a handful of children, and no length exceeds `total`, a u16 terminal dimension.
#[allow(clippy::cast_possible_truncation)]
fn solve(children: &[Node], total: u16) -> Vec<u16> {
    let total = u32::from(total);
    let mut visible: Vec<bool> = vec![true; children.len()];
    // Collapse the last flexible child while the minimums do not fit.
    loop {
        let need: u32 = children
            .iter()
            .zip(&visible)
            .filter(|(_, v)| **v)
            .map(|(c, _)| u32::from(c.min))
            .sum();
        if need <= total {
            break;
        }
        let victim = (0..children.len())
            .rev()
            .find(|&i| visible[i] && !matches!(children[i].size, Size::Lines(_)))
            .or_else(|| (0..children.len()).rev().find(|&i| visible[i]));
        match victim {
            Some(i) => visible[i] = false,
            None => break,
        }
    }
    let mut lens: Vec<u32> = children
        .iter()
        .zip(&visible)
        .map(|(c, v)| match (v, c.size) {
            (false, _) | (true, Size::Fill) => 0,
            (true, Size::Lines(n)) => u32::from(n),
            (true, Size::Percent(p)) => (total * u32::from(p) / 100).max(u32::from(c.min)),
        })
        .collect();
    let fills: Vec<usize> = (0..children.len())
        .filter(|&i| visible[i] && children[i].size == Size::Fill)
        .collect();
    let used: u32 = lens.iter().sum();
    if !fills.is_empty() {
        let left = total.saturating_sub(used);
        let each = left / fills.len() as u32;
        for (k, &i) in fills.iter().enumerate() {
            let extra = if k + 1 == fills.len() {
                left - each * fills.len() as u32
            } else {
                0
            };
            lens[i] = (each + extra).max(u32::from(children[i].min));
        }
    }
    // Overflow (percentages above 100, or minimums): shrink from the last child down to its
    // minimum; underflow with no fill child: the last visible child takes the rest.
    let mut sum: u32 = lens.iter().sum();
    for i in (0..children.len()).rev() {
        if sum <= total {
            break;
        }
        let floor = u32::from(children[i].min).min(lens[i]);
        let cut = (lens[i] - floor).min(sum - total);
        lens[i] -= cut;
        sum -= cut;
    }
    for i in (0..children.len()).rev() {
        if sum <= total {
            break;
        }
        let cut = lens[i].min(sum - total);
        lens[i] -= cut;
        sum -= cut;
    }
    if sum < total {
        if let Some(i) = (0..children.len())
            .rev()
            .find(|&i| visible[i] && !matches!(children[i].size, Size::Lines(_)))
        {
            lens[i] += total - sum;
        }
    }
    lens.into_iter().map(|l| l as u16).collect()
}

/// The layouts the console can switch between: the built-ins, replaced or joined by the
/// `*.toml` files of a user directory.
#[derive(Debug, Clone)]
pub struct LayoutSet {
    pub layouts: Vec<Layout>,
}

impl LayoutSet {
    /// The built-in layouts only.
    pub fn builtin() -> LayoutSet {
        let layouts = BUILTIN
            .iter()
            .filter_map(|(name, text)| {
                Layout::parse(name, &format!("layouts/{name}.toml"), text).ok()
            })
            .collect();
        LayoutSet { layouts }
    }

    /// Built-ins plus every `*.toml` in `dir` (a file named like a built-in replaces it).
    /// Broken files are skipped and reported.
    pub fn load(dir: Option<&Path>) -> (LayoutSet, Vec<LayoutError>) {
        let mut set = LayoutSet::builtin();
        let mut errors = Vec::new();
        let Some(dir) = dir else {
            return (set, errors);
        };
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                errors.push(LayoutError {
                    file: dir.display().to_string(),
                    line: 1,
                    col: 1,
                    message: format!("cannot read layouts directory: {e}"),
                });
                Vec::new()
            }
        };
        files.sort();
        for path in files {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let shown = path.display().to_string();
            let parsed = std::fs::read_to_string(&path)
                .map_err(|e| LayoutError {
                    file: shown.clone(),
                    line: 1,
                    col: 1,
                    message: format!("cannot read: {e}"),
                })
                .and_then(|text| Layout::parse(&name, &shown, &text));
            match parsed {
                Ok(layout) => set.insert(layout),
                Err(e) => errors.push(e),
            }
        }
        (set, errors)
    }

    fn insert(&mut self, layout: Layout) {
        match self.layouts.iter_mut().find(|l| l.name == layout.name) {
            Some(slot) => *slot = layout,
            None => self.layouts.push(layout),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Layout> {
        self.layouts.iter().find(|l| l.name == name)
    }

    pub fn names(&self) -> Vec<&str> {
        self.layouts.iter().map(|l| l.name.as_str()).collect()
    }

    /// The layout after `name`, wrapping around.
    pub fn next_after(&self, name: &str) -> Option<&Layout> {
        let i = self
            .layouts
            .iter()
            .position(|l| l.name == name)
            .map_or(0, |i| i + 1);
        self.layouts.get(i % self.layouts.len().max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_layouts_parse() {
        for (name, text) in BUILTIN {
            let layout = Layout::parse(name, name, text).unwrap_or_else(|e| panic!("{e}"));
            assert!(
                layout.panels().contains(&PanelKind::Header),
                "{name} has a header"
            );
        }
        assert_eq!(
            LayoutSet::builtin().names(),
            ["coordinator", "observer", "wallboard"]
        );
    }

    #[test]
    fn unknown_panel_is_reported_with_line_and_column() {
        let text = "[root]\nsplit = \"vertical\"\n[[root.children]]\npanel = \"runbok\"\n";
        let e = Layout::parse("x", "layouts/x.toml", text).unwrap_err();
        assert_eq!(e.line, 4);
        assert_eq!(e.col, 9);
        assert!(
            e.to_string()
                .starts_with("layouts/x.toml:4:9: unknown panel `runbok`"),
            "{e}"
        );
    }

    #[test]
    fn syntax_and_shape_errors_point_at_the_spot() {
        let cases = [
            (
                "[root]\nsplit = \"diagonal\"\n[[root.children]]\npanel = \"log\"\n",
                2,
                9,
                "split must be",
            ),
            (
                "[root]\npanel = \"log\"\nsize = \"abc\"\n",
                3,
                8,
                "is not a percentage",
            ),
            ("[root]\npanel = \"log\"\nsize = 0\n", 3, 8, "out of range"),
            (
                "[root]\npanel = \"log\"\ncolour = 1\n",
                3,
                1,
                "unknown field `colour`",
            ),
            ("[root]\npanel = \"log\"\nsize = \n", 3, 8, ""),
            ("[root]\nsplit = \"vertical\"\n", 2, 9, "at least one child"),
        ];
        for (text, line, col, needle) in cases {
            let e = Layout::parse("x", "f.toml", text).unwrap_err();
            assert_eq!((e.line, e.col), (line, col), "{e}");
            assert!(e.message.contains(needle), "{e}");
        }
    }

    fn leaf(panel: PanelKind, size: Size, min: u16) -> Node {
        Node {
            size,
            min,
            kind: NodeKind::Panel(panel),
        }
    }

    #[test]
    fn solver_collapses_what_does_not_fit() {
        let kids = [
            leaf(PanelKind::Header, Size::Lines(3), 3),
            leaf(PanelKind::Runbook, Size::Percent(50), 10),
            leaf(PanelKind::Step, Size::Fill, 10),
            leaf(PanelKind::Keys, Size::Lines(1), 1),
        ];
        assert_eq!(solve(&kids, 40), [3, 20, 16, 1]);
        assert_eq!(solve(&kids, 20), [3, 16, 0, 1]);
        assert_eq!(solve(&kids, 3), [3, 0, 0, 0]);
        assert_eq!(solve(&kids, 0), [0, 0, 0, 0]);
    }

    #[test]
    fn placement_fills_the_area_exactly() {
        let set = LayoutSet::builtin();
        for layout in &set.layouts {
            for (w, h) in [(80, 24), (160, 48), (300, 80), (20, 5)] {
                let area = Rect::new(0, 0, w, h);
                let placed = layout.place(area);
                let cells: u32 = placed.iter().map(|(_, r)| r.area()).sum();
                assert!(cells <= area.area(), "{} {w}x{h}", layout.name);
                for (i, (_, a)) in placed.iter().enumerate() {
                    assert!(area.contains(a.as_position()));
                    for (_, b) in &placed[i + 1..] {
                        assert!(!a.intersects(*b), "{} {w}x{h}: {a:?} {b:?}", layout.name);
                    }
                }
            }
        }
    }

    #[test]
    fn user_dir_replaces_and_reports() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("observer.toml"),
            "[root]\npanel = \"log\"\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("broken.toml"), "[root]\npanel = 3\n").unwrap();
        let (set, errors) = LayoutSet::load(Some(dir.path()));
        assert_eq!(set.get("observer").unwrap().panels(), [PanelKind::Log]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().contains("broken.toml:2:9"),
            "{}",
            errors[0]
        );
    }
}
