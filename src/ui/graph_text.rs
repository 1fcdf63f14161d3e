//! The job graph's text as the layout plans it: an operator's label, a node's detail wrapped
//! onto two lines, and an estimate of how wide a text is (the layout keeps labels apart with
//! it; the end-to-end tests measure the real boxes). Pure Rust, tested natively.

use crate::sim::scenario::OperatorKind;

/// The label of an operator: its name, then its kind and parallelism.
pub fn op_label(name: &str, kind: OperatorKind, parallelism: u32) -> String {
    format!("{name}  {}", op_kind_label(kind, parallelism))
}

/// What an operator is and how many subtasks it has, as its label says.
pub fn op_kind_label(kind: OperatorKind, parallelism: u32) -> String {
    let kind = match kind {
        OperatorKind::Source => "source",
        OperatorKind::Map => "map",
        OperatorKind::Keyed => "keyed",
        OperatorKind::Sink => "2PC sink",
    };
    format!("{kind} · ×{parallelism}")
}

/// Estimated width of `chars` characters of text `font` units high (DejaVu Sans, the widest of
/// the usual sans-serif fonts, averages about 0.6 em for digits and lower case).
pub fn text_width(chars: usize, font: f64) -> f64 {
    chars as f64 * font * 0.62
}

/// A node's detail in at most two lines of at most `max` characters, broken at " · " or a
/// space (the second line cut with "…" if it is still too long); `max` 0: one line.
pub fn wrap_detail(detail: &str, max: usize) -> (String, String) {
    if max == 0 || detail.chars().count() <= max {
        return (detail.to_string(), String::new());
    }
    let (a, b) = match detail.split_once(" · ") {
        Some((a, b)) if a.chars().count() <= max => (a.to_string(), b.to_string()),
        _ => {
            let cut = detail
                .char_indices()
                .rev()
                .filter(|(i, c)| *c == ' ' && detail[..*i].chars().count() <= max)
                .map(|(i, _)| i)
                .next()
                .unwrap_or(detail.len());
            (
                detail[..cut].to_string(),
                detail[cut..].trim_start().to_string(),
            )
        }
    };
    let b = if b.chars().count() > max {
        let mut t: String = b.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    } else {
        b
    };
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_detail_wraps_at_its_separator_or_a_space() {
        assert_eq!(
            wrap_detail("aligning 12 · 1/2", 13),
            ("aligning 12".into(), "1/2".into())
        );
        assert_eq!(
            wrap_detail("sync snapshot 12", 13),
            ("sync snapshot".into(), "12".into())
        );
        assert_eq!(
            wrap_detail("RESTORING · checkpoint 3", 13),
            ("RESTORING".into(), "checkpoint 3".into())
        );
        // Short enough, or no wrapping asked: one line.
        assert_eq!(
            wrap_detail("offset 12", 13),
            ("offset 12".into(), String::new())
        );
        assert_eq!(
            wrap_detail("aligning 12 · 1/2", 0),
            ("aligning 12 · 1/2".into(), String::new())
        );
        // A second line still too long is cut.
        let (a, b) = wrap_detail("123456 rec · 17 pre-commits pending", 13);
        assert_eq!(a, "123456 rec");
        assert!(b.chars().count() <= 13 && b.ends_with('…'), "{b}");
    }

    #[test]
    fn an_operator_label_names_its_kind_and_parallelism() {
        assert_eq!(
            op_label("sink", OperatorKind::Sink, 256),
            "sink  2PC sink · ×256"
        );
        assert!(text_width(21, 12.5) > text_width(15, 12.5));
    }
}
