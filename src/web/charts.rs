//! Server-rendered bar charts as inline SVG: readable without JavaScript, labelled for screen
//! readers (`role="img"`, `<title>`, `aria-label`) and paired with a data table by the page.
//! Colours come from classes in the stylesheet: the security policy forbids inline styles.
//!
//! Each chart is drawn twice, a wide drawing for screens and a narrow one for phones, and the
//! stylesheet shows one: an SVG scales its text with its width, so a single drawing is either
//! squashed on a phone or huge on a desktop. Both keep their aspect ratio (text is never
//! stretched), have a value axis with round, formatted ticks, and label only as many bars as
//! fit.

use std::fmt::Write;

use crate::i18n::{self, Lang};

/// One bar: its label (a date, an hour) and its value in minor units.
#[derive(Debug, Clone)]
pub struct Bar {
    /// The full label, for the data table and the bar's tooltip.
    pub label: String,
    /// The short text under the bar when there is room (`Mar 2`, `09:00`); empty = never.
    pub tick: String,
    pub value: i64,
    /// The value as the data table shows it.
    pub shown: String,
}

/// How the value axis writes amounts: the currency and its digits (no currency = plain).
#[derive(Debug, Clone, Default)]
pub struct ValueAxis {
    pub currency: String,
    pub digits: u32,
}

impl ValueAxis {
    fn tick(&self, lang: Lang, minor: i64) -> String {
        if self.currency.is_empty() {
            let scale = 10_i64.pow(self.digits);
            if minor % scale == 0 {
                i18n::format_integer(lang, minor / scale)
            } else {
                i18n::format_decimal(lang, minor, self.digits)
            }
        } else {
            i18n::format_money_whole(lang, minor, self.digits, &self.currency)
        }
    }
}

#[derive(Debug, Clone)]
pub struct BarChart {
    /// Unique on the page: the SVG's title id derives from it.
    pub id: String,
    pub title: String,
    pub bars: Vec<Bar>,
    pub axis: ValueAxis,
    /// A reference series drawn as a dashed line over the bars (one value per bar), e.g. the
    /// same weekday last week; empty = none.
    pub reference: Vec<i64>,
    /// The reference values as the data table shows them, and the column's heading.
    pub reference_shown: Vec<String>,
    pub reference_title: String,
    /// The bar to mark (the current hour), labelled with `marked_text`.
    pub marked: Option<usize>,
    pub marked_text: String,
    /// What the bars measure, as the data table's heading (an English key).
    pub value_title: &'static str,
    /// A second series drawn as a bar beside each bar (one value per bar), e.g. the sales
    /// transactions beside the traffic; empty = none.
    pub paired: Vec<i64>,
    pub paired_shown: Vec<String>,
    pub paired_title: String,
    /// Per bar, whether it holds only part of its week or month (the range cuts it): drawn
    /// paler, so that it is not read as a whole one; empty = none.
    pub partial: Vec<bool>,
    /// Per bar, whether its period lies wholly outside the data (before the history, after
    /// the last import): drawn as a pale band saying "no data", never as an empty bar;
    /// empty = none.
    pub no_data: Vec<bool>,
    /// Per bar, whether the data starts or stops inside its period: drawn paler like a cut
    /// week, with its own words in the legend; empty = none.
    pub part_covered: Vec<bool>,
}

impl BarChart {
    pub fn new(id: &str, title: String, bars: Vec<Bar>, axis: ValueAxis) -> BarChart {
        BarChart {
            id: id.to_string(),
            title,
            bars,
            axis,
            reference: Vec::new(),
            reference_shown: Vec::new(),
            reference_title: String::new(),
            marked: None,
            marked_text: String::new(),
            value_title: "Net sales",
            paired: Vec::new(),
            paired_shown: Vec::new(),
            paired_title: String::new(),
            partial: Vec::new(),
            no_data: Vec::new(),
            part_covered: Vec::new(),
        }
    }
}

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

/// The geometry of one drawing, in SVG user units.
struct Frame {
    suffix: &'static str,
    class: &'static str,
    width: i64,
    height: i64,
    font: i64,
    max_labels: usize,
}

const WIDE: Frame = Frame {
    suffix: "",
    class: "chart chart-wide",
    width: 960,
    height: 300,
    font: 15,
    max_labels: 12,
};

const NARROW: Frame = Frame {
    suffix: "-narrow",
    class: "chart chart-narrow",
    width: 360,
    height: 260,
    font: 12,
    max_labels: 5,
};

const TOP: i64 = 22;
const RIGHT: i64 = 8;

/// A round step (1, 2 or 5 × a power of ten) that splits `span` into about `parts` parts.
pub fn nice_step(span: i64, parts: i64) -> i64 {
    let raw = (span.max(1) + parts - 1) / parts.max(1);
    let mut power = 1_i64;
    while power.saturating_mul(10) <= raw {
        power = power.saturating_mul(10);
    }
    for factor in [1, 2, 5, 10] {
        let step = power.saturating_mul(factor);
        if step >= raw {
            return step;
        }
    }
    power.saturating_mul(10)
}

/// The value axis: round ticks from below the lowest value to above the highest.
pub fn ticks(min: i64, max: i64, unit: i64) -> Vec<i64> {
    let min = min.min(0);
    let max = max.max(0);
    // Steps never go below one major unit when the values are that large (no `$0.50` ticks
    // on a chart of hundreds).
    let mut step = nice_step(max - min, 4);
    if max - min >= 4 * unit || max == min {
        step = step.max(unit);
    }
    let low = min.div_euclid(step) * step;
    let high = if max % step == 0 {
        max
    } else {
        (max.div_euclid(step) + 1) * step
    };
    let high = if high == low { low + step } else { high };
    let mut out = Vec::new();
    let mut v = low;
    while v <= high && out.len() < 50 {
        out.push(v);
        v += step;
    }
    out
}

impl BarChart {
    /// Nothing to draw: every bar is zero, and none is a period without data (which says
    /// "no data", not "no sales").
    pub fn is_empty(&self) -> bool {
        self.bars.iter().all(|b| b.value == 0) && !self.has_no_data()
    }

    pub fn has_reference(&self) -> bool {
        !self.reference.is_empty()
    }

    /// Some bar holds only part of its week or month: the page says what paler bars mean.
    pub fn has_partial(&self) -> bool {
        self.partial.iter().any(|p| *p)
    }

    /// Some bar's period lies outside the data: the page says what the pale bands mean.
    pub fn has_no_data(&self) -> bool {
        self.no_data.iter().any(|p| *p)
    }

    /// Some bar holds only part of its period's data: the page says what paler bars mean.
    pub fn has_part_covered(&self) -> bool {
        self.part_covered.iter().any(|p| *p)
    }

    fn has_paired(&self) -> bool {
        !self.paired.is_empty() && self.paired.len() == self.bars.len()
    }

    /// The data table's second column: the paired series, else the reference line.
    pub fn has_second(&self) -> bool {
        self.has_paired() || self.has_reference()
    }

    pub fn second_title(&self) -> &str {
        if self.has_paired() {
            &self.paired_title
        } else {
            &self.reference_title
        }
    }

    /// The data table's rows: label, value, and the second column's value (empty without
    /// one), so what the chart draws is readable without it.
    pub fn rows(&self) -> Vec<(&str, &str, &str)> {
        let second = if self.has_paired() {
            &self.paired_shown
        } else {
            &self.reference_shown
        };
        self.bars
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let value = second.get(i).map_or("", String::as_str);
                (b.label.as_str(), b.shown.as_str(), value)
            })
            .collect()
    }

    /// The chart's markup (both drawings); every text in it is escaped.
    pub fn svg(&self) -> String {
        let lang = i18n::current();
        let mut out = self.draw(&WIDE, lang);
        out.push_str(&self.draw(&NARROW, lang));
        out
    }

    fn draw(&self, frame: &Frame, lang: Lang) -> String {
        let title = escape(&self.title);
        let id = format!("{}{}", escape(&self.id), frame.suffix);
        let (width, height, font) = (frame.width, frame.height, frame.font);
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="{}" role="img" aria-label="{title}" aria-labelledby="{id}-title" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{title}</title>"#,
            frame.class
        );
        if self.bars.is_empty() {
            svg.push_str("</svg>");
            return svg;
        }
        let (ticks, tick_texts, plot) = self.plot(frame, lang);
        let left = plot.left;
        for (t, text) in ticks.iter().zip(&tick_texts) {
            let y = plot.y_of(*t);
            let _ = write!(
                svg,
                r#"<line class="grid" x1="{left}" x2="{}" y1="{y}" y2="{y}"/><text class="axis" x="{}" y="{}" text-anchor="end" font-size="{font}">{}</text>"#,
                width - RIGHT,
                left - 6,
                y + font / 3,
                escape(text)
            );
        }
        let shown_labels = self.shown_labels(frame);
        for (i, b) in self.bars.iter().enumerate() {
            self.draw_bar(&mut svg, frame, &plot, i, b, shown_labels.contains(&i));
        }
        if self.reference.len() == self.bars.len() {
            self.draw_reference(&mut svg, &plot);
        }
        let zero = plot.zero;
        let _ = write!(
            svg,
            r#"<line class="baseline" x1="{left}" x2="{}" y1="{zero}" y2="{zero}"/></svg>"#,
            width - RIGHT
        );
        svg
    }

    /// The value axis and the geometry of one drawing: the ticks, their texts, and where
    /// values and bars land.
    fn plot(&self, frame: &Frame, lang: Lang) -> (Vec<i64>, Vec<String>, Plot) {
        let (height, font) = (frame.height, frame.font);
        let count = self.bars.len() as i64;
        let values = self
            .bars
            .iter()
            .map(|b| b.value)
            .chain(self.reference.iter().copied())
            .chain(self.paired.iter().copied());
        let max = values.clone().max().unwrap_or(0);
        let min = values.min().unwrap_or(0);
        let unit = 10_i64.pow(self.axis.digits);
        let mut ticks = ticks(min, max, unit);
        let mut low = ticks.first().copied().unwrap_or(0);
        // A small dip below zero (one return) gets the room it needs, not a whole step
        // labelled with an amount (−$500) that nothing comes near.
        if min < 0 && ticks.get(1) == Some(&0) && min > low / 2 {
            ticks.remove(0);
            low = min + min / 4;
        }
        let high = ticks.last().copied().unwrap_or(1);
        let tick_texts: Vec<String> = ticks.iter().map(|t| self.axis.tick(lang, *t)).collect();
        // Room for the longest tick text (digits are about 0.6 em wide).
        let longest = tick_texts
            .iter()
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(1) as i64;
        let left = 10 + longest * font * 6 / 10;
        let bottom = font * 2;
        let plot_width = frame.width - left - RIGHT;
        // Positions in thousandths of a unit so many bars still fit evenly.
        let slot = plot_width * 1000 / count;
        let paired = self.has_paired();
        // Two series share a slot: each bar half as wide, side by side.
        let bar = if paired {
            (slot * 4 / 10).max(1)
        } else {
            (slot * 7 / 10).max(1)
        };
        let mut plot = Plot {
            left,
            high,
            plot_height: i128::from(height - TOP - bottom),
            span: i128::from((high - low).max(1)),
            zero: 0,
            slot,
            bar,
            paired,
        };
        plot.zero = plot.y_of(0);
        (ticks, tick_texts, plot)
    }

    /// The bars whose tick is written under them: every few, so that at most
    /// `frame.max_labels` fit.
    fn shown_labels(&self, frame: &Frame) -> Vec<usize> {
        let labelled: Vec<usize> = self
            .bars
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.tick.is_empty())
            .map(|(i, _)| i)
            .collect();
        let every = labelled.len().div_ceil(frame.max_labels).max(1);
        labelled.iter().step_by(every).copied().collect()
    }

    /// Bar `i` with its paired bar, its tick text when `labelled`, and the marker when it is
    /// the marked one.
    fn draw_bar(
        &self,
        svg: &mut String,
        frame: &Frame,
        plot: &Plot,
        i: usize,
        b: &Bar,
        labelled: bool,
    ) {
        let font = frame.font;
        let (bar, paired, zero) = (plot.bar, plot.paired, plot.zero);
        let x = if paired {
            plot.left * 1000 + i as i64 * plot.slot + (plot.slot - 2 * bar) / 2
        } else {
            plot.left * 1000 + i as i64 * plot.slot + (plot.slot - bar) / 2
        };
        let y = plot.y_of(b.value);
        let (top, bar_height) = if b.value >= 0 {
            (y, zero - y)
        } else {
            (zero, y - zero)
        };
        let mut class = String::from(if b.value < 0 { "bar negative" } else { "bar" });
        if self.marked == Some(i) {
            class.push_str(" current");
        }
        if self.partial.get(i) == Some(&true) || self.part_covered.get(i) == Some(&true) {
            class.push_str(" partial");
        }
        if self.no_data.get(i) == Some(&true) {
            draw_no_data_band(svg, plot, i, b);
            class.push_str(" none");
        }
        let _ = write!(
            svg,
            r#"<rect class="{class}" x="{}" y="{top}" width="{}" height="{}"><title>{}: {}</title></rect>"#,
            milli(x),
            milli(bar),
            bar_height.max(if b.value == 0 { 0 } else { 1 }),
            escape(&b.label),
            escape(&b.shown)
        );
        if let Some(value) = self.paired.get(i).filter(|_| paired) {
            self.draw_paired(svg, plot, i, b, (x + bar, *value));
        }
        let centre = if paired { x + bar } else { x + bar / 2 };
        if labelled {
            let _ = write!(
                svg,
                r#"<text class="axis" x="{}" y="{}" text-anchor="middle" font-size="{font}">{}</text>"#,
                milli(centre),
                frame.height - font / 2,
                escape(&b.tick)
            );
        }
        if self.marked == Some(i) {
            // Above the plot, where no bar or line reaches: over a tall bar (or a taller
            // neighbour) the label would cover what it points at.
            let _ = write!(
                svg,
                r#"<text class="axis marker" x="{}" y="{}" text-anchor="middle" font-size="{font}">▼ {}</text>"#,
                milli(centre),
                TOP - 6,
                escape(&self.marked_text)
            );
        }
    }

    /// The paired series' bar beside bar `i`, starting at `x`.
    fn draw_paired(
        &self,
        svg: &mut String,
        plot: &Plot,
        i: usize,
        b: &Bar,
        (x, value): (i64, i64),
    ) {
        let zero = plot.zero;
        let y = plot.y_of(value);
        let (top, height) = if value >= 0 {
            (y, zero - y)
        } else {
            (zero, y - zero)
        };
        let _ = write!(
            svg,
            r#"<rect class="bar paired" x="{}" y="{top}" width="{}" height="{}"><title>{}: {} {}</title></rect>"#,
            milli(x),
            milli(plot.bar),
            height.max(if value == 0 { 0 } else { 1 }),
            escape(&b.label),
            escape(self.paired_shown.get(i).map_or("", String::as_str)),
            escape(&self.paired_title)
        );
    }

    /// The reference series as a dashed line through the middle of each slot.
    fn draw_reference(&self, svg: &mut String, plot: &Plot) {
        let points: Vec<String> = self
            .reference
            .iter()
            .enumerate()
            .map(|(i, v)| {
                format!(
                    "{},{}",
                    milli(plot.left * 1000 + i as i64 * plot.slot + plot.slot / 2),
                    plot.y_of(*v)
                )
            })
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="reference" points="{}"/>"#,
            points.join(" ")
        );
    }
}

/// Where values and bars land in one drawing; x positions in thousandths of a unit.
struct Plot {
    left: i64,
    /// The value at the top of the plot.
    high: i64,
    plot_height: i128,
    /// The values the plot's height spans (at least 1).
    span: i128,
    /// The y of the value 0.
    zero: i64,
    slot: i64,
    bar: i64,
    paired: bool,
}

impl Plot {
    fn y_of(&self, v: i64) -> i64 {
        let from_top = i128::from(self.high - v) * self.plot_height / self.span;
        TOP + i64::try_from(from_top).unwrap_or(0)
    }
}

/// A position in thousandths of a unit, written as SVG reads it: `12.345`.
/// The band over slot `i` whose period lies outside the data: over the plot's height, since
/// an empty bar would read as a period without sales.
fn draw_no_data_band(svg: &mut String, plot: &Plot, i: usize, b: &Bar) {
    let slot_x = plot.left * 1000 + i as i64 * plot.slot;
    let _ = write!(
        svg,
        r#"<rect class="no-data" x="{}" y="{TOP}" width="{}" height="{}"><title>{}: {}</title></rect>"#,
        milli(slot_x),
        milli(plot.slot),
        (plot.zero - TOP).max(1),
        escape(&b.label),
        escape(&b.shown)
    );
}

fn milli(v: i64) -> String {
    format!("{}.{:03}", v.div_euclid(1000), v.rem_euclid(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, tick: &str, value: i64) -> Bar {
        Bar {
            label: label.into(),
            tick: tick.into(),
            value,
            shown: value.to_string(),
        }
    }

    #[test]
    fn chart_is_labelled_and_escaped() {
        let chart = BarChart::new(
            "c1",
            "Net <sales>".into(),
            vec![
                bar("2026-03-01", "Mar 1", 100),
                bar("2026-03-02", "Mar 2", -50),
            ],
            ValueAxis::default(),
        );
        let svg = chart.svg();
        assert_eq!(svg.matches(r#"role="img""#).count(), 2);
        assert!(svg.contains(r#"aria-label="Net &lt;sales&gt;""#));
        assert!(svg.contains("<title id=\"c1-title\">Net &lt;sales&gt;</title>"));
        assert!(svg.contains("<title id=\"c1-narrow-title\">"));
        assert!(svg.contains("bar negative"));
        assert!(!svg.contains("style="));
        // Text keeps its shape: no stretching.
        assert!(!svg.contains("preserveAspectRatio=\"none\""));
    }

    #[test]
    fn value_axis_has_round_formatted_ticks() {
        assert_eq!(nice_step(1_000, 4), 500);
        assert_eq!(ticks(0, 123_456, 100), vec![0, 50_000, 100_000, 150_000]);
        assert_eq!(
            ticks(-1_800, 5_200, 100),
            vec![-2_000, 0, 2_000, 4_000, 6_000]
        );
        assert_eq!(ticks(0, 0, 100), vec![0, 100]);
        let chart = BarChart::new(
            "c",
            "t".into(),
            vec![bar("a", "a", 123_456)],
            ValueAxis {
                currency: "USD".into(),
                digits: 2,
            },
        );
        let svg = chart.draw(&WIDE, Lang::En);
        for tick in ["$0<", "$500<", "$1,000<", "$1,500<"] {
            assert!(svg.contains(tick), "{tick} in {svg}");
        }
        let spanish = chart.draw(&WIDE, Lang::Es);
        assert!(spanish.contains(">1.500 $<"), "{spanish}");
    }

    #[test]
    fn time_labels_are_thinned_to_fit() {
        let bars: Vec<Bar> = (0..24)
            .map(|h| bar(&format!("{h:02}:00"), &format!("{h:02}:00"), h))
            .collect();
        let chart = BarChart::new("h", "t".into(), bars, ValueAxis::default());
        let wide = chart.draw(&WIDE, Lang::En);
        let narrow = chart.draw(&NARROW, Lang::En);
        let labels = |svg: &str| svg.matches(r#"text-anchor="middle""#).count();
        assert_eq!(labels(&wide), 12);
        assert_eq!(labels(&narrow), 5);
        assert!(wide.contains(">02:00<") && !wide.contains(">01:00<"));
        // Bars without a tick text are never labelled (hours of a multi-day chart).
        let days: Vec<Bar> = (0..72)
            .map(|i| bar("x", if i % 24 == 0 { "Mar 2" } else { "" }, 1))
            .collect();
        let chart = BarChart::new("d", "t".into(), days, ValueAxis::default());
        assert_eq!(labels(&chart.draw(&WIDE, Lang::En)), 3);
    }

    #[test]
    fn reference_line_and_marked_bar() {
        let mut chart = BarChart::new(
            "h",
            "t".into(),
            vec![bar("a", "a", 10), bar("b", "b", 20)],
            ValueAxis::default(),
        );
        chart.reference = vec![5, 30];
        chart.marked = Some(1);
        chart.marked_text = "now".into();
        let svg = chart.draw(&WIDE, Lang::En);
        assert!(svg.contains("<polyline class=\"reference\""));
        assert_eq!(svg.matches("bar current").count(), 1);
        assert!(svg.contains("▼ now"));
    }

    #[test]
    fn the_now_label_stands_above_every_bar() {
        let mut chart = BarChart::new(
            "h",
            "t".into(),
            vec![bar("a", "a", 100), bar("b", "b", 100), bar("c", "c", 100)],
            ValueAxis::default(),
        );
        chart.marked = Some(1);
        chart.marked_text = "now".into();
        for frame in [&WIDE, &NARROW] {
            let svg = chart.draw(frame, Lang::En);
            let marker = svg.split("class=\"axis marker\"").nth(1).expect("marker");
            let y: i64 = marker
                .split("y=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .and_then(|v| v.parse().ok())
                .expect("marker y");
            // Every bar starts at TOP or below; the label's baseline is above it.
            assert!(y < TOP, "marker at {y}");
            assert!(y >= frame.font - 4, "marker inside the drawing: {y}");
        }
    }

    #[test]
    fn a_small_dip_below_zero_labels_no_amount_nothing_reaches() {
        let chart = BarChart::new(
            "d",
            "t".into(),
            vec![bar("a", "a", 400_000), bar("b", "b", -1_800)],
            ValueAxis {
                currency: "USD".into(),
                digits: 2,
            },
        );
        let svg = chart.draw(&WIDE, Lang::En);
        assert!(!svg.contains(">-$"), "no negative tick: {svg}");
        assert!(svg.contains(">$0<"));
        assert!(svg.contains("bar negative"));
        // A dip that is a real part of the picture keeps its tick.
        let chart = BarChart::new(
            "d",
            "t".into(),
            vec![bar("a", "a", 400_000), bar("b", "b", -150_000)],
            ValueAxis {
                currency: "USD".into(),
                digits: 2,
            },
        );
        assert!(chart.draw(&WIDE, Lang::En).contains(">-$2,000<"));
        // Nothing below zero: no axis below zero.
        let chart = BarChart::new(
            "d",
            "t".into(),
            vec![bar("a", "a", 400_000), bar("b", "b", 0)],
            ValueAxis {
                currency: "USD".into(),
                digits: 2,
            },
        );
        assert!(!chart.draw(&WIDE, Lang::En).contains(">-$"));
    }

    #[test]
    fn a_paired_series_stands_beside_each_bar_and_in_the_table() {
        let mut chart = BarChart::new(
            "p",
            "Traffic".into(),
            vec![bar("10:00", "10:00", 40), bar("11:00", "11:00", 10)],
            ValueAxis::default(),
        );
        chart.value_title = "Traffic";
        chart.paired = vec![2, 1];
        chart.paired_shown = vec!["2".into(), "1".into()];
        chart.paired_title = "Sales transactions".into();
        let svg = chart.draw(&WIDE, Lang::En);
        assert_eq!(svg.matches("class=\"bar paired\"").count(), 2);
        assert!(svg.contains("<title>10:00: 2 Sales transactions</title>"));
        assert!(chart.has_second());
        assert_eq!(chart.second_title(), "Sales transactions");
        assert_eq!(chart.rows()[0], ("10:00", "40", "2"));
    }

    #[test]
    fn part_weeks_are_drawn_apart_from_whole_ones() {
        let mut chart = BarChart::new(
            "w",
            "t".into(),
            vec![
                bar("Sun, Mar 1", "Mar 1", 10),
                bar("Mar 2 – 8", "Mar 2", 70),
            ],
            ValueAxis::default(),
        );
        assert!(!chart.has_partial());
        chart.partial = vec![true, false];
        assert!(chart.has_partial());
        let svg = chart.draw(&WIDE, Lang::En);
        assert_eq!(svg.matches("class=\"bar partial\"").count(), 1);
        assert_eq!(svg.matches("class=\"bar\"").count(), 1);
        // A period outside the data is a band with its words, not an empty bar.
        chart.no_data = vec![false, true];
        chart.bars[1].value = 0;
        chart.bars[1].shown = "no data".into();
        assert!(chart.has_no_data() && !chart.is_empty());
        let svg = chart.svg();
        assert_eq!(svg.matches("<rect class=\"no-data\"").count(), 2, "{svg}");
        assert!(svg.contains(": no data</title>"), "{svg}");
    }
}
