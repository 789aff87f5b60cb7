//! Charts as SVG drawn on the server: no script, no font or library from the internet, the
//! same picture in the console and in a saved page. One kind is needed so far — horizontal
//! bars, several series side by side (this year and last) or stacked (due soon and overdue) —
//! because the labels are long Chinese names that read best on the left.

use crate::html::escape;
use std::fmt::Write;

/// One series: its name (the legend) and its colour (a CSS colour).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub color: String,
}

/// A row of the chart: its label, one value per series, and where the row links to (if
/// anywhere: the records behind it).
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub values: Vec<f64>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Each series its own bar, one under another.
    Grouped,
    /// The series end to end in one bar.
    Stacked,
}

const WIDTH: f64 = 720.0;
const LABEL_WIDTH: f64 = 260.0;
const VALUE_WIDTH: f64 = 70.0;
const BAR: f64 = 14.0;
const GAP: f64 = 10.0;
const LEGEND: f64 = 28.0;

/// A horizontal bar chart. `title` is the chart's accessible name.
pub fn bars(title: &str, series: &[Series], rows: &[Bar], layout: Layout) -> String {
    let per_row = match layout {
        Layout::Grouped => BAR * series.len().max(1) as f64,
        Layout::Stacked => BAR,
    };
    let height = LEGEND + rows.len() as f64 * (per_row + GAP) + GAP;
    let longest = rows
        .iter()
        .map(|r| match layout {
            Layout::Grouped => r.values.iter().copied().fold(0.0, f64::max),
            Layout::Stacked => r.values.iter().sum(),
        })
        .fold(0.0, f64::max);
    let room = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let scale = if longest > 0.0 { room / longest } else { 0.0 };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" role=\"img\" aria-label=\"{}\" font-family=\"sans-serif\" font-size=\"12\">",
        escape(title)
    );
    let _ = write!(svg, "<title>{}</title>", escape(title));
    let mut x = LABEL_WIDTH;
    for s in series {
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"16\">{}</text>",
            escape(&s.color),
            x + 16.0,
            escape(&s.name)
        );
        x += 16.0 + 14.0 * s.name.chars().count() as f64 + 24.0;
    }
    for (i, row) in rows.iter().enumerate() {
        let top = LEGEND + i as f64 * (per_row + GAP);
        if let Some(link) = &row.link {
            let _ = write!(svg, "<a href=\"{}\">", escape(link));
        }
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\"><title>{}</title>{}</text>",
            LABEL_WIDTH - 8.0,
            top + per_row / 2.0 + 4.0,
            escape(&row.label),
            escape(&shorten(&row.label, LABEL_WIDTH - 16.0))
        );
        let mut start = LABEL_WIDTH;
        for (k, (value, s)) in row.values.iter().zip(series).enumerate() {
            let width = (value * scale).max(0.0);
            let y = match layout {
                Layout::Grouped => top + k as f64 * BAR,
                Layout::Stacked => top,
            };
            let _ = write!(
                svg,
                "<rect x=\"{start:.1}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{}\" fill=\"{}\">\
                 <title>{}：{}</title></rect>",
                BAR - 2.0,
                escape(&s.color),
                escape(&s.name),
                number(*value)
            );
            match layout {
                Layout::Grouped => {
                    let _ = write!(
                        svg,
                        "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                        start + width + 4.0,
                        y + BAR - 4.0,
                        number(*value)
                    );
                }
                Layout::Stacked => start += width,
            }
        }
        if layout == Layout::Stacked {
            let total: f64 = row.values.iter().sum();
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                start + 4.0,
                top + BAR - 4.0,
                number(total)
            );
        }
        if row.link.is_some() {
            svg.push_str("</a>");
        }
    }
    svg.push_str("</svg>");
    svg
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// The width a character takes at 12 px: a CJK character a full em, others about half.
fn advance(c: char) -> f64 {
    if c.is_ascii() { 6.6 } else { 12.0 }
}

/// The label cut to fit `room` pixels, with “…” where it was cut (the whole label is the
/// text's tooltip).
fn shorten(label: &str, room: f64) -> String {
    if label.chars().map(advance).sum::<f64>() <= room {
        return label.to_string();
    }
    let mut used = advance('…');
    let mut s = String::new();
    for c in label.chars() {
        used += advance(c);
        if used > room {
            break;
        }
        s.push(c);
    }
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_every_row_with_escaped_labels_and_values() {
        let series = [
            Series {
                name: "2019".into(),
                color: "#1f6feb".into(),
            },
            Series {
                name: "2018".into(),
                color: "#9aa5b1".into(),
            },
        ];
        let rows = [
            Bar {
                label: "行政复议<申请>".into(),
                values: vec![9.0, 6.0],
                link: Some("/console/cases?figure=a&x=1".into()),
            },
            Bar {
                label: "一审".into(),
                values: vec![11.0, 0.0],
                link: None,
            },
        ];
        let svg = bars("年度指标", &series, &rows, Layout::Grouped);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("行政复议&lt;申请&gt;"), "{svg}");
        let long = "Reconsiderations received in the year and concluded in it, and more";
        assert!(shorten(long, 244.0).ends_with('…') && shorten(long, 244.0).len() > 30);
        assert_eq!(shorten("收到行政复议申请", 244.0), "收到行政复议申请");
        assert_eq!(shorten(&"很".repeat(30), 244.0).chars().count(), 20);
        assert!(
            svg.contains(">9</text>") && svg.contains(">11</text>"),
            "{svg}"
        );
        assert!(
            svg.contains("href=\"/console/cases?figure=a&amp;x=1\""),
            "{svg}"
        );
        let stacked = bars("期限", &series, &rows, Layout::Stacked);
        assert!(stacked.contains(">15</text>"), "{stacked}");
        assert_eq!(svg.matches("<rect").count(), 2 + 4);
    }
}
