//! Server-rendered bar charts as inline SVG: readable without JavaScript, labelled for screen
//! readers (`role="img"`, `<title>`, `aria-label`) and paired with a data table by the page.
//! Colours come from classes in the stylesheet: the security policy forbids inline styles.

use std::fmt::Write;

/// One bar: its label (a date, an hour) and its value in minor units.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    /// The value as the data table shows it.
    pub shown: String,
}

#[derive(Debug, Clone)]
pub struct BarChart {
    /// Unique on the page: the SVG's title id derives from it.
    pub id: String,
    pub title: String,
    pub bars: Vec<Bar>,
}

const WIDTH: i64 = 720;
const HEIGHT: i64 = 220;
const LEFT: i64 = 8;
const RIGHT: i64 = 8;
const TOP: i64 = 12;
const BOTTOM: i64 = 28;

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl BarChart {
    pub fn is_empty(&self) -> bool {
        self.bars.iter().all(|b| b.value == 0)
    }

    /// The chart's markup; every text in it is escaped.
    pub fn svg(&self) -> String {
        let title = escape(&self.title);
        let id = escape(&self.id);
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="chart" role="img" aria-label="{title}" aria-labelledby="{id}-title" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title>"#
        );
        let count = self.bars.len() as i64;
        if count == 0 {
            svg.push_str("</svg>");
            return svg;
        }
        let max = self.bars.iter().map(|b| b.value.max(0)).max().unwrap_or(0);
        let min = self.bars.iter().map(|b| b.value.min(0)).min().unwrap_or(0);
        let span = i128::from((max - min).max(1));
        let plot_height = i128::from(HEIGHT - TOP - BOTTOM);
        let y_of = |v: i64| -> i64 {
            let from_top = i128::from(max - v) * plot_height / span;
            TOP + i64::try_from(from_top).unwrap_or(0)
        };
        let zero = y_of(0);
        let plot_width = WIDTH - LEFT - RIGHT;
        // Bars in thousandths of a pixel so many bars still fit evenly.
        let slot = plot_width * 1000 / count;
        let bar = (slot * 8 / 10).max(1);
        let label_every = (count / 12).max(1);
        for (i, b) in self.bars.iter().enumerate() {
            let i = i as i64;
            let x = LEFT * 1000 + i * slot + (slot - bar) / 2;
            let y = y_of(b.value);
            let (top, height) = if b.value >= 0 {
                (y, zero - y)
            } else {
                (zero, y - zero)
            };
            let class = if b.value < 0 { "bar negative" } else { "bar" };
            let _ = write!(
                svg,
                r#"<rect class="{class}" x="{}.{:03}" y="{top}" width="{}.{:03}" height="{}"><title>{}: {}</title></rect>"#,
                x / 1000,
                x % 1000,
                bar / 1000,
                bar % 1000,
                height.max(if b.value == 0 { 0 } else { 1 }),
                escape(&b.label),
                escape(&b.shown)
            );
            if i % label_every == 0 {
                let cx = x + bar / 2;
                let _ = write!(
                    svg,
                    r#"<text class="axis" x="{}.{:03}" y="{}" text-anchor="middle">{}</text>"#,
                    cx / 1000,
                    cx % 1000,
                    HEIGHT - 8,
                    escape(&short_label(&b.label))
                );
            }
        }
        let _ = write!(
            svg,
            r#"<line class="baseline" x1="{LEFT}" x2="{}" y1="{zero}" y2="{zero}"/></svg>"#,
            WIDTH - RIGHT
        );
        svg
    }
}

/// Axis labels stay short: `2026-03-02` → `03-02`; an hour stays as it is.
fn short_label(label: &str) -> String {
    if label.len() == 10 && label.as_bytes().get(4) == Some(&b'-') {
        label[5..].to_string()
    } else {
        label.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_is_labelled_and_escaped() {
        let chart = BarChart {
            id: "c1".into(),
            title: "Net <sales>".into(),
            bars: vec![
                Bar {
                    label: "2026-03-01".into(),
                    value: 100,
                    shown: "1.00".into(),
                },
                Bar {
                    label: "2026-03-02".into(),
                    value: -50,
                    shown: "-0.50".into(),
                },
            ],
        };
        let svg = chart.svg();
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-label="Net &lt;sales&gt;""#));
        assert!(svg.contains("<title id=\"c1-title\">Net &lt;sales&gt;</title>"));
        assert!(svg.contains("bar negative"));
        assert!(!svg.contains("style="));
    }
}
