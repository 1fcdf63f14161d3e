//! The path of the JSON field an error is about (`checkpointing.interval_ms`,
//! `job.operators[1].parallelism`, `faults[0]`), found from the error's position in the text.
//!
//! serde_json's errors carry a line and column; its data errors (a wrong type, an unknown
//! variant or field, a missing field, a refused value) are raised just after the value or key
//! they are about has been read. So the path is the one of the last value or key that ends at
//! or before that position. One small scanner over the text serves every type that is parsed
//! (a scenario, a Flink REST body), where a path-tracking deserializer (serde_path_to_error)
//! doubled every type's deserialization code in the browser bundle. Paths are written as that
//! crate writes them: keys joined by `.`, indices as `[i]`, `.` for the whole document.

/// One level of the path.
#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// A container being read: its step in the path (none for the document), and the step of the
/// member being read in it (a key once read, an array index), if any.
struct Frame {
    at: Option<Step>,
    member: Option<Step>,
    is_array: bool,
    len: usize,
}

/// The path of the field an error at `line`/`column` (serde_json's, 1-based line, column in
/// bytes from the line's start) of `text` is about; `.` for the whole document.
pub fn at(text: &str, line: usize, column: usize) -> String {
    let b = text.as_bytes();
    let mut start = 0;
    for _ in 1..line {
        match b[start..].iter().position(|&c| c == b'\n') {
            Some(n) => start += n + 1,
            None => break,
        }
    }
    let end = (start + column).min(b.len());
    let mut stack: Vec<Frame> = Vec::new();
    // The last value or key that ended: the number of frames it is under (they are still on
    // the stack: opening, closing or leaving a member overwrites it) and its own step.
    let mut last: Option<(usize, Option<Step>)> = None;
    let mut i = 0;
    while i < end {
        match b[i] {
            b'{' | b'[' => {
                let at = stack.last().and_then(|f| f.member.clone());
                let is_array = b[i] == b'[';
                stack.push(Frame {
                    at,
                    member: is_array.then_some(Step::Index(0)),
                    is_array,
                    len: 0,
                });
                last = None;
                i += 1;
            }
            b'}' | b']' => {
                last = stack.pop().map(|f| (stack.len(), f.at));
                i += 1;
            }
            b',' => {
                if let Some(f) = stack.last_mut() {
                    f.len += 1;
                    f.member = f.is_array.then_some(Step::Index(f.len));
                }
                last = None;
                i += 1;
            }
            b'"' => {
                let from = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                let raw = text.get(from..i.min(b.len())).unwrap_or_default();
                i += 1;
                if let Some(f) = stack
                    .last_mut()
                    .filter(|f| !f.is_array && f.member.is_none())
                {
                    let key = serde_json::from_str::<String>(&format!("\"{raw}\""))
                        .unwrap_or_else(|_| raw.to_string());
                    f.member = Some(Step::Key(key));
                }
                last = Some((stack.len(), stack.last().and_then(|f| f.member.clone())));
            }
            c if c.is_ascii_whitespace() || c == b':' => i += 1,
            _ => {
                // A number, `true`, `false` or `null`.
                while i < b.len()
                    && !matches!(b[i], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                {
                    i += 1;
                }
                last = Some((stack.len(), stack.last().and_then(|f| f.member.clone())));
            }
        }
    }
    // Nothing ended since the innermost container opened or moved on: the member being read.
    let (depth, tail) =
        last.unwrap_or_else(|| (stack.len(), stack.last().and_then(|f| f.member.clone())));
    let mut path: Vec<Step> = stack[..depth].iter().filter_map(|f| f.at.clone()).collect();
    path.extend(tail);
    written(&path)
}

fn written(path: &[Step]) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let mut out = String::new();
    for s in path {
        match s {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path for an error just after the first occurrence of `after` in `text`.
    fn path_after(text: &str, after: &str) -> String {
        let i = text.find(after).unwrap() + after.len();
        let line_start = text[..i].rfind('\n').map_or(0, |n| n + 1);
        let line = 1 + text[..line_start].matches('\n').count();
        at(text, line, i - line_start)
    }

    #[test]
    fn a_value_is_named_by_its_keys_and_indices() {
        let t = "{\"job\": {\"operators\": [{\"name\": \"a\"},\n {\"name\": \"b\", \"parallelism\": \"two\"}]}}";
        assert_eq!(path_after(t, "\"two\""), "job.operators[1].parallelism");
        assert_eq!(path_after(t, "\"a\""), "job.operators[0].name");
    }

    #[test]
    fn an_unknown_key_is_named_by_itself() {
        let t = "{\"checkpointing\": {\"interval_ms\": 5, \"unalignd\"";
        assert_eq!(path_after(t, "\"unalignd\""), "checkpointing.unalignd");
    }

    #[test]
    fn an_error_after_an_object_or_array_names_it() {
        let t = "{\"faults\": [{\"at_ms\": 1, \"kind\": \"kill\"}, {}]}";
        assert_eq!(path_after(t, "\"kill\"}"), "faults[0]");
        assert_eq!(path_after(t, "{}]"), "faults");
        assert_eq!(path_after(t, "{}]}"), ".");
    }

    #[test]
    fn an_object_where_a_value_was_expected_is_named_by_its_key() {
        // serde_json does not read past the `{` it did not expect.
        let t = "{\"duration_ms\": {\"x\": 1}}";
        assert_eq!(path_after(t, "\"duration_ms\": "), "duration_ms");
    }

    #[test]
    fn escaped_keys_and_hostile_text_do_not_break_it() {
        let t = "{\"a\\\"b\": [1, 2, \"x\\\\\"]}";
        assert_eq!(path_after(t, "\"x\\\\\""), "a\"b[2]");
        for cut in 0..t.len() {
            at(&t[..cut], 1, cut);
        }
        assert_eq!(at("", 9, 99), ".");
        assert_eq!(at("]]]}}", 1, 5), ".");
    }
}
