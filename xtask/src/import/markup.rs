//! The MDX body as a tree: Mintlify components (`<ParamField …>`, `<Expandable>`, `<Tip>`, any
//! capitalised tag), fenced code blocks, and text lines, each with the line it starts on. Lowercase
//! tags are HTML in the text and stay text. Whatever does not nest properly is reported, not lost.

use super::page::Review;

/// Deeper nesting than this is not a page but an attack on the stack; it stays text.
const MAX_DEPTH: usize = 32;

/// One piece of an MDX body.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A component with its attributes (`required` has no value) and children.
    Element {
        name: String,
        attrs: Vec<(String, Option<String>)>,
        children: Vec<Node>,
        line: usize,
    },
    /// A fenced code block: its info string (`bash cURL`) and its body.
    Code {
        info: String,
        body: String,
        line: usize,
    },
    /// One line of text (trimmed, never blank).
    Text { text: String, line: usize },
}

impl Node {
    /// The line the node starts on.
    pub fn line(&self) -> usize {
        match self {
            Node::Element { line, .. } | Node::Code { line, .. } | Node::Text { line, .. } => *line,
        }
    }

    /// An attribute's value (`Some(None)` for a bare attribute such as `required`).
    pub fn attr(&self, key: &str) -> Option<Option<&str>> {
        match self {
            Node::Element { attrs, .. } => attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_deref()),
            _ => None,
        }
    }

    /// Every text line under this node, in order, with its line number (code blocks excluded).
    pub fn text_lines(&self) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        collect_text(std::slice::from_ref(self), &mut out);
        out
    }
}

fn collect_text(nodes: &[Node], out: &mut Vec<(usize, String)>) {
    for node in nodes {
        match node {
            Node::Text { text, line } => out.push((*line, text.clone())),
            Node::Element { children, .. } => collect_text(children, out),
            Node::Code { .. } => {}
        }
    }
}

/// An element still open while parsing.
struct Open {
    name: String,
    attrs: Vec<(String, Option<String>)>,
    children: Vec<Node>,
    line: usize,
}

/// Parses `text` (whose first line is line `first_line` of the page).
pub fn parse(text: &str, first_line: usize, review: &mut Vec<Review>) -> Vec<Node> {
    let mut p = Parser {
        stack: vec![Open {
            name: String::new(),
            attrs: Vec::new(),
            children: Vec::new(),
            line: first_line,
        }],
        review,
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        let line_no = first_line + i;
        let trimmed = lines[i].trim_start();
        if let Some(fence) = ["```", "~~~"].into_iter().find(|f| trimmed.starts_with(f)) {
            let info = trimmed[fence.len()..].trim().to_string();
            let close = lines[i + 1..]
                .iter()
                .position(|l| l.trim_start().starts_with(fence));
            let end = close.map_or(lines.len(), |c| i + 1 + c);
            if close.is_none() {
                p.review.push(Review::at(
                    line_no,
                    "a code block is never closed; read to the end of the page",
                ));
            }
            let body = lines[(i + 1).min(end)..end].join("\n");
            p.push(Node::Code {
                info,
                body,
                line: line_no,
            });
            i = end + 1;
            continue;
        }
        // A tag may run over several lines: scan from here, and resume where the scan ended.
        i = p.scan_line(&lines, i, first_line);
    }
    while p.stack.len() > 1 {
        p.close_top(true);
    }
    p.stack.pop().map(|root| root.children).unwrap_or_default()
}

struct Parser<'r> {
    stack: Vec<Open>,
    review: &'r mut Vec<Review>,
}

impl Parser<'_> {
    fn push(&mut self, node: Node) {
        if let Some(top) = self.stack.last_mut() {
            top.children.push(node);
        }
    }

    fn text(&mut self, text: &str, line: usize) {
        let text = text.trim();
        if !text.is_empty() {
            self.push(Node::Text {
                text: text.to_string(),
                line,
            });
        }
    }

    /// Closes the innermost element; `unclosed` when its closing tag never came.
    fn close_top(&mut self, unclosed: bool) {
        let Some(open) = self.stack.pop() else { return };
        if unclosed {
            self.review.push(Review::at(
                open.line,
                format!(
                    "<{}> is never closed; read as if it closed where its parent does",
                    open.name
                ),
            ));
        }
        self.push(Node::Element {
            name: open.name,
            attrs: open.attrs,
            children: open.children,
            line: open.line,
        });
    }

    /// Scans line `i` (and the following ones while a tag is open); returns the next line to read.
    fn scan_line(&mut self, lines: &[&str], i: usize, first_line: usize) -> usize {
        let line_no = first_line + i;
        let line = lines[i];
        let mut text = String::new();
        let mut rest = line;
        while let Some(pos) = rest.find(['<', '`']) {
            let (before, at) = rest.split_at(pos);
            text.push_str(before);
            if let Some(span) = at.strip_prefix('`') {
                // Tags inside a code span are text.
                match span.find('`') {
                    Some(len) => {
                        text.push_str(&at[..len + 2]);
                        rest = &at[len + 2..];
                    }
                    None => {
                        text.push_str(at);
                        rest = "";
                    }
                }
                continue;
            }
            let is_tag = at[1..].starts_with(|c: char| c.is_ascii_uppercase())
                || at[1..].starts_with('/')
                    && at[2..].starts_with(|c: char| c.is_ascii_uppercase());
            if !is_tag {
                text.push('<');
                rest = &at[1..];
                continue;
            }
            // The tag may continue on the next lines (attributes one per line).
            let mut tag_text = at.to_string();
            let mut last = i;
            let tag = loop {
                match read_tag(&tag_text) {
                    Some(tag) => break Some(tag),
                    None if last + 1 < lines.len() && last - i < 20 => {
                        last += 1;
                        tag_text.push('\n');
                        tag_text.push_str(lines[last]);
                    }
                    None => break None,
                }
            };
            let Some((tag, used)) = tag else {
                self.review.push(Review::at(
                    line_no,
                    "a tag here is not well formed; kept as text",
                ));
                text.push('<');
                rest = &at[1..];
                continue;
            };
            self.text(&text, line_no);
            text.clear();
            self.tag(tag, line_no);
            if last > i {
                // The rest of the tag's last line is read as its own line.
                let consumed_on_last = tag_text[..used].rsplit('\n').next().map_or(0, str::len);
                self.text(
                    &lines[last][consumed_on_last.min(lines[last].len())..],
                    first_line + last,
                );
                return last + 1;
            }
            rest = &at[used..];
        }
        text.push_str(rest);
        self.text(&text, line_no);
        i + 1
    }

    fn tag(&mut self, tag: Tag, line: usize) {
        match tag {
            Tag::Open {
                name,
                attrs,
                self_closing,
            } => {
                if self.stack.len() > MAX_DEPTH {
                    self.review.push(Review::at(
                        line,
                        format!("<{name}> is nested too deeply; ignored"),
                    ));
                    return;
                }
                self.stack.push(Open {
                    name,
                    attrs,
                    children: Vec::new(),
                    line,
                });
                if self_closing {
                    self.close_top(false);
                }
            }
            Tag::Close { name } => match self.stack.iter().rposition(|o| o.name == name) {
                Some(depth) if depth > 0 => {
                    while self.stack.len() > depth + 1 {
                        self.close_top(true);
                    }
                    self.close_top(false);
                }
                _ => self.review.push(Review::at(
                    line,
                    format!("</{name}> closes nothing; ignored"),
                )),
            },
        }
    }
}

enum Tag {
    Open {
        name: String,
        attrs: Vec<(String, Option<String>)>,
        self_closing: bool,
    },
    Close {
        name: String,
    },
}

/// Reads the tag at the start of `text` (which starts with `<`): the tag and the bytes it used,
/// or `None` when it does not end (yet) or is not a tag.
fn read_tag(text: &str) -> Option<(Tag, usize)> {
    let body = &text[1..];
    if let Some(close) = body.strip_prefix('/') {
        let len = close.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))?;
        let after = close[len..].trim_start();
        let gt = after.strip_prefix('>')?;
        let used = text.len() - gt.len();
        return Some((
            Tag::Close {
                name: close[..len].to_string(),
            },
            used,
        ));
    }
    let len = body.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))?;
    let name = body[..len].to_string();
    let mut rest = &body[len..];
    let mut attrs = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("/>") {
            let used = text.len() - after.len();
            return Some((
                Tag::Open {
                    name,
                    attrs,
                    self_closing: true,
                },
                used,
            ));
        }
        if let Some(after) = rest.strip_prefix('>') {
            let used = text.len() - after.len();
            return Some((
                Tag::Open {
                    name,
                    attrs,
                    self_closing: false,
                },
                used,
            ));
        }
        let key_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))?;
        if key_len == 0 {
            return None;
        }
        let key = rest[..key_len].to_string();
        rest = &rest[key_len..];
        let Some(value_text) = rest.trim_start().strip_prefix('=') else {
            attrs.push((key, None));
            continue;
        };
        let value_text = value_text.trim_start();
        let (value, after) = attr_value(value_text)?;
        attrs.push((key, Some(value)));
        rest = after;
    }
}

/// A quoted (`"…"`, `'…'`) or braced (`{…}`) attribute value and the text after it.
fn attr_value(text: &str) -> Option<(String, &str)> {
    let quote = text.chars().next()?;
    match quote {
        '"' | '\'' => {
            let end = text[1..].find(quote)? + 1;
            Some((text[1..end].to_string(), &text[end + 1..]))
        }
        '{' => {
            let mut depth = 0usize;
            for (i, c) in text.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            let inner = text[1..i].trim().trim_matches(['"', '\'', '`']);
                            return Some((inner.to_string(), &text[i + 1..]));
                        }
                    }
                    _ => {}
                }
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(nodes: &[Node]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| match n {
                Node::Element { name, children, .. } => {
                    format!("{name}[{}]", names(children).join(","))
                }
                Node::Code { info, .. } => format!("code:{info}"),
                Node::Text { text, .. } => format!("'{text}'"),
            })
            .collect()
    }

    #[test]
    fn components_nest_with_their_lines_and_attributes() {
        let mut review = Vec::new();
        let text = "<ParamField body=\"input\" type=\"object\" required>\n  <Expandable title=\"properties\" defaultOpen>\n    <ParamField\n      body=\"fps\"\n      type=\"integer\">\n      Frames `<n>` a <b>second</b>.\n    </ParamField>\n  </Expandable>\n</ParamField>\n```bash cURL\n<Not a tag>\n```\n<Tip>x</Tip> after";
        let nodes = parse(text, 10, &mut review);
        assert!(review.is_empty(), "{review:?}");
        assert_eq!(
            names(&nodes),
            [
                "ParamField[Expandable[ParamField['Frames `<n>` a <b>second</b>.']]]",
                "code:bash cURL",
                "Tip['x']",
                "'after'"
            ]
        );
        let Node::Element { children, .. } = &nodes[0] else {
            panic!()
        };
        let Node::Element { children, .. } = &children[0] else {
            panic!()
        };
        assert_eq!(children[0].line(), 12);
        assert_eq!(children[0].attr("type"), Some(Some("integer")));
        assert_eq!(nodes[0].attr("required"), Some(None));
        assert_eq!(
            children[0].text_lines(),
            [(15, "Frames `<n>` a <b>second</b>.".to_string())]
        );
    }

    #[test]
    fn broken_nesting_is_reported_and_nothing_is_lost() {
        let mut review = Vec::new();
        let nodes = parse("<Note>\nkept\n</Warning>\n<Tip>\nalso kept", 1, &mut review);
        assert_eq!(names(&nodes), ["Note['kept',Tip['also kept']]"]);
        let messages: Vec<String> = review.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "line 3: </Warning> closes nothing; ignored",
                "line 4: <Tip> is never closed; read as if it closed where its parent does",
                "line 1: <Note> is never closed; read as if it closed where its parent does",
            ]
        );
        let deep = "<A>".repeat(200);
        let nodes = parse(&deep, 1, &mut review);
        assert_eq!(nodes.len(), 1);
    }
}
