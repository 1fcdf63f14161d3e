//! The What-if panel's form and results as markup (pure, tested natively). The form: a row of
//! inputs per variant (`whatif-variant-{i}`, each input `data-i` / `data-k`: variant and field;
//! its remove button `data-remove`). The results: the sweep's table (one row per variant,
//! `whatif-row-{i}`; a finished row carries `data-open`), the guided answers and the three
//! hand-drawn SVG charts. Each is one string that the panel puts in place and listens to once
//! (static markup: no script, no inline style, every text escaped), which costs the browser
//! bundle a fraction of the same elements built one by one.

use super::whatif_model::{self as m, Slot, VariantForm, FIELDS};
use crate::sweep::answers::QUESTIONS;
use crate::sweep::fields::PATHS;
use crate::sweep::output::{duration, table_cells, table_header};
use crate::sweep::whatif::VariantResult;
use std::fmt::Write;

/// `s` as text in markup (`&`, `<`, `>` and `"` escaped).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

/// A variant's settings as the table shows them: `interval 10 s, unaligned true`, or `as now`.
pub fn settings(f: Option<&VariantForm>) -> String {
    let l = f.map(VariantForm::labels).unwrap_or_default();
    if l.is_empty() {
        return "as now".into();
    }
    let l: Vec<String> = l.iter().map(|(k, v)| format!("{k} {v}")).collect();
    l.join(", ")
}

/// The form: a head row of the settings' names (their sweep paths as titles), then a row of
/// inputs per variant with its values. Made again only when variants come or go (an edit is
/// already on screen, and focus stays where the user is).
pub fn form(forms: &[VariantForm]) -> String {
    let mut o = String::from("<table class=\"whatif-form\"><thead><tr><th></th>");
    for ((name, _), path) in FIELDS.iter().zip(PATHS) {
        let _ = write!(o, "<th title=\"{path}\">{name}</th>");
    }
    o += "<th></th></tr></thead><tbody>";
    for (i, f) in forms.iter().enumerate() {
        let n = m::name(i);
        let _ = write!(
            o,
            "<tr data-testid=\"whatif-variant-{i}\"><th class=\"v{}\">{n}</th>",
            i % m::MAX_VARIANTS
        );
        for (k, ((name, hint), v)) in FIELDS.iter().zip(&f.values).enumerate() {
            let _ = write!(o, "<td><input type=\"text\" value=\"{}\" placeholder=\"{hint}\" aria-label=\"{n} {name}\" title=\"{}\" data-i=\"{i}\" data-k=\"{k}\"></td>", esc(v), PATHS[k]);
        }
        let _ = write!(o, "<td><button class=\"link\" data-remove=\"{i}\" title=\"Remove this variant\" aria-label=\"Remove {n}\">×</button></td></tr>");
    }
    o + "</tbody></table>"
}

/// The results: table, answers (when some variant finished) and charts.
pub fn results(slots: &[Slot], ran: &[VariantForm], answers: Option<&[String; 3]>) -> String {
    let mut o = String::from("<div class=\"whatif-results\"><div class=\"whatif-scroll\"><table class=\"whatif-table\" data-testid=\"whatif-table\"><thead><tr><th></th><th>settings</th>");
    let header = table_header();
    for h in &header {
        let _ = write!(o, "<th>{h}</th>");
    }
    o += "</tr></thead><tbody>";
    let mut done = Vec::new();
    for (i, s) in slots.iter().enumerate() {
        let _ = write!(o, "<tr data-testid=\"whatif-row-{i}\"");
        let what = match s {
            Slot::Done(r) => {
                done.push((i, r.as_ref()));
                let title = match &r.moment {
                    Some(mo) => format!(
                        "Open in the animation at {}: {}",
                        duration(Some(mo.at_ms)),
                        mo.what
                    ),
                    None => "Open in the animation".into(),
                };
                let _ = write!(
                    o,
                    " class=\"done\" data-open=\"{i}\" title=\"{}\"",
                    esc(&title)
                );
                None
            }
            Slot::Queued => Some("queued".to_string()),
            Slot::Running => Some("running…".to_string()),
            Slot::Failed(e) => Some(e.clone()),
        };
        let _ = write!(
            o,
            "><th class=\"v{}\">{}</th><td class=\"settings\">{}</td>",
            i % m::MAX_VARIANTS,
            m::name(i),
            esc(&settings(ran.get(i)))
        );
        match (what, s) {
            (None, Slot::Done(r)) => {
                for c in table_cells(&r.row) {
                    let _ = write!(o, "<td>{}</td>", esc(&c));
                }
            }
            (w, _) => {
                let _ = write!(
                    o,
                    "<td colspan=\"{}\" class=\"muted\">{}</td>",
                    header.len(),
                    esc(&w.unwrap_or_default())
                );
            }
        }
        o += "</tr>";
    }
    o += "</tbody></table></div><p class=\"muted whatif-hint\">Click a finished row to open that variant in the animation at the moment that explains it (your run stays one click away).</p>";
    if let Some(a) = answers {
        o += "<dl class=\"whatif-answer\" data-testid=\"whatif-answer\">";
        for (q, a) in QUESTIONS.iter().zip(a) {
            let _ = write!(o, "<dt>{q}</dt><dd>{}</dd>", esc(a));
        }
        o += "</dl>";
    }
    if !done.is_empty() {
        let rows: Vec<(usize, &crate::sweep::VariantRow)> =
            done.iter().map(|(i, r)| (*i, &r.row)).collect();
        o += "<div class=\"whatif-charts\">";
        let completion = m::completion_bars(&rows).into_iter().map(|b| (b, None));
        bars_chart(
            &mut o,
            "completion",
            "Completion rate",
            completion.collect(),
        );
        let e2e = m::e2e_bars(&rows).into_iter().map(|(a, b)| (a, Some(b)));
        bars_chart(
            &mut o,
            "e2e",
            "End to end, p50 and p99 (failed ones to their failure)",
            e2e.collect(),
        );
        timeline_chart(&mut o, &done);
        o += "</div>";
    }
    o + "</div>"
}

/// Horizontal bars, one (or two: p50 over p99) per variant.
fn bars_chart(o: &mut String, hook: &str, title: &str, bars: Vec<(m::Bar, Option<m::Bar>)>) {
    let row_h = m::BAR_H + 6.0;
    let two = bars.iter().any(|(_, b)| b.is_some());
    let per = if two { 2.0 * row_h } else { row_h };
    let h = bars.len() as f64 * per + 4.0;
    let _ = write!(
        o,
        "<figure class=\"whatif-chart\" data-testid=\"whatif-chart-{hook}\"><figcaption>{title}</figcaption><svg viewBox=\"0 0 {} {h}\" role=\"img\" aria-label=\"{title}\">",
        m::CHART_W
    );
    let bar = |o: &mut String, b: &m::Bar, y: f64, extra: &str| {
        let _ = write!(
            o,
            "<rect class=\"v{} {extra}\" x=\"{}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\"/><text class=\"figure\" x=\"{:.1}\" y=\"{}\">{}</text>",
            b.variant % m::MAX_VARIANTS,
            m::LABEL_W,
            b.len.max(1.0),
            m::BAR_H,
            m::LABEL_W + b.len + 4.0,
            y + m::BAR_H - 3.0,
            esc(&b.text)
        );
    };
    for (k, (a, b)) in bars.iter().enumerate() {
        let y = k as f64 * per + 2.0;
        let _ = write!(
            o,
            "<g><text class=\"name\" x=\"0\" y=\"{}\">{}</text>",
            y + m::BAR_H - 3.0,
            m::name(a.variant)
        );
        bar(o, a, y, "p50");
        if let Some(b) = b {
            bar(o, b, y + row_h, "p99");
        }
        *o += "</g>";
    }
    *o += "</svg></figure>";
}

/// Checkpoint durations over simulated time, one line per variant; failed ones as crosses.
fn timeline_chart(o: &mut String, done: &[(usize, &VariantResult)]) {
    let (lines, end, top) = m::timeline(done);
    let (w, h) = (m::TL_W, m::TL_H);
    let _ = write!(
        o,
        "<figure class=\"whatif-chart wide\" data-testid=\"whatif-chart-timeline\"><figcaption>Each checkpoint's end to end over the run (× failed)</figcaption><svg viewBox=\"-4 -4 {} {}\" role=\"img\" aria-label=\"Checkpoint durations over time\"><line class=\"axis\" x1=\"0\" y1=\"{h}\" x2=\"{w}\" y2=\"{h}\"/><line class=\"axis\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"{h}\"/><text class=\"figure\" x=\"4\" y=\"10\">{}</text><text class=\"figure\" x=\"0\" y=\"{}\">0</text><text class=\"figure end\" x=\"{w}\" y=\"{}\">{}</text>",
        w + 8.0,
        h + 22.0,
        duration(Some(top)),
        h + 14.0,
        h + 14.0,
        duration(Some(end))
    );
    for l in &lines {
        let _ = write!(
            o,
            "<g class=\"v{}\"><polyline points=\"{}\"/>",
            l.variant % m::MAX_VARIANTS,
            l.points
        );
        for (x, y) in &l.failed {
            let _ = write!(
                o,
                "<path class=\"fail\" d=\"M{:.1} {:.1}l6 6m0 -6l-6 6\"/>",
                x - 3.0,
                y - 3.0
            );
        }
        *o += "</g>";
    }
    *o += "</svg></figure>";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    const BACKPRESSURE: &str = include_str!("../../static/scenarios/backpressure-aligned.json");

    #[test]
    fn the_form_has_an_input_per_setting_and_variant_with_its_value() {
        let mut f = VariantForm::default();
        f.values[2] = "10 s\"".into();
        let html = form(&[VariantForm::default(), f]);
        assert_eq!(html.matches("<input").count(), 16);
        assert!(html.contains("value=\"10 s&quot;\""), "{html}");
        assert!(html.contains("data-i=\"1\" data-k=\"2\""));
        assert!(html.contains("data-remove=\"1\"") && html.contains("whatif-variant-1"));
    }

    #[test]
    fn user_text_is_escaped() {
        assert_eq!(
            esc("<b a=\"1\">&</b>"),
            "&lt;b a=&quot;1&quot;&gt;&amp;&lt;/b&gt;"
        );
        let mut f = VariantForm::default();
        f.values[2] = "<img src=x>".into();
        let html = results(&[Slot::Failed("<x>".into())], &[f], None);
        assert!(!html.contains("<img") && !html.contains("<x>"), "{html}");
        assert!(html.contains("interval &lt;img src=x&gt;"), "{html}");
    }

    #[test]
    fn the_results_have_a_row_per_variant_the_answers_and_a_mark_per_failure() {
        let mut unaligned = VariantForm::default();
        unaligned.values[0] = "true".into();
        let forms = [VariantForm::default(), unaligned, VariantForm::default()];
        let done: Vec<Slot> = forms[..2]
            .iter()
            .map(|f| {
                let r = crate::sweep::whatif::run_variant(BACKPRESSURE, &f.values, None).unwrap();
                Slot::Done(Rc::new(r))
            })
            .chain([Slot::Queued])
            .collect();
        let answers = ["a <1>".to_string(), "b".into(), "c".into()];
        let html = results(&done, &forms, Some(&answers));
        for i in 0..3 {
            assert!(html.contains(&format!("data-testid=\"whatif-row-{i}\"")));
        }
        assert!(html.contains("data-open=\"1\"") && !html.contains("data-open=\"2\""));
        assert!(html.contains(">queued</td>"));
        assert!(html.contains("<dd>a &lt;1&gt;</dd>"));
        assert_eq!(html.matches("<polyline").count(), 2);
        let Slot::Done(aligned) = &done[0] else {
            unreachable!()
        };
        let failed = aligned.points.iter().filter(|p| p.2).count();
        assert!(failed > 0);
        assert_eq!(html.matches("class=\"fail\"").count(), failed);
        assert_eq!(
            html.matches("<rect").count(),
            2 + 4,
            "a completion bar and two e2e bars per finished variant"
        );
    }
}
