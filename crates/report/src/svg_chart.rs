//! Inline SVG charts for the HTML report: grouped horizontal bars, lines, and a heatmap.
//!
//! Written here rather than with a plotting crate: the report needs a handful of simple shapes
//! in one visual style, text in the page's own fonts (CJK included, through the CSS font
//! stack, which a rasterising or font-embedding backend would not follow), and later charts no
//! general plotting crate draws (treemap, migration flows). Every chart is a fixed number of
//! SVG elements per label or point, never per customer, so the report stays small at any size.

use std::fmt::Write as _;

/// Escapes text for HTML and SVG.
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

/// The colours of the series, in order.
const PALETTE: &[&str] = &[
    "#2f6f9f", "#e08a2e", "#4c9a5b", "#b04a5a", "#7a68a6", "#8c7b4a",
];

/// One bar group: a label and one value per series (shares 0..1 or any non-negative number).
#[derive(Debug, Clone)]
pub struct BarRow {
    pub label: String,
    pub values: Vec<f64>,
}

/// Horizontal grouped bars, one group per row, values labelled with `format`.
pub fn bar_chart(
    series: &[&str],
    rows: &[BarRow],
    format: impl Fn(f64) -> String,
    axis: &str,
) -> String {
    let label_width = 220.0;
    let plot_width = 420.0;
    let bar = 14.0;
    let gap = 10.0;
    let group = bar * series.len().max(1) as f64 + gap;
    let height = 40.0 + group * rows.len() as f64 + 30.0;
    let max = rows
        .iter()
        .flat_map(|r| r.values.iter().copied())
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let width = label_width + plot_width + 80.0;
    let mut svg =
        format!(r##"<svg viewBox="0 0 {width} {height}" width="100%" role="img" class="chart">"##,);
    legend(&mut svg, series, label_width);
    for (r, row) in rows.iter().enumerate() {
        let y0 = 40.0 + group * r as f64;
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" class="label" text-anchor="end">{}</text>"##,
            label_width - 8.0,
            y0 + group / 2.0,
            escape(&row.label)
        );
        for (s, value) in row.values.iter().enumerate() {
            let w = (value.max(0.0) / max * plot_width).max(0.5);
            let y = y0 + bar * s as f64;
            let _ = write!(
                svg,
                r##"<rect x="{label_width}" y="{y}" width="{w:.1}" height="{}" fill="{}"><title>{}: {}</title></rect><text x="{:.1}" y="{:.1}" class="value">{}</text>"##,
                bar - 2.0,
                PALETTE[s % PALETTE.len()],
                escape(series.get(s).copied().unwrap_or_default()),
                escape(&format(*value)),
                label_width + w + 4.0,
                y + bar - 4.0,
                escape(&format(*value))
            );
        }
    }
    let _ = write!(
        svg,
        r##"<line x1="{label_width}" y1="36" x2="{label_width}" y2="{}" class="axis"/><text x="{}" y="{}" class="axis-label" text-anchor="middle">{}</text></svg>"##,
        height - 26.0,
        label_width + plot_width / 2.0,
        height - 8.0,
        escape(axis)
    );
    svg
}

/// Lines over a shared x axis: each series a list of (x, y) points.
pub fn line_chart(
    series: &[(&str, Vec<(f64, f64)>)],
    x_axis: &str,
    y_axis: &str,
    format_y: impl Fn(f64) -> String,
) -> String {
    let (left, top, plot_w, plot_h) = (70.0, 36.0, 560.0, 260.0);
    let points = series.iter().flat_map(|(_, p)| p.iter().copied());
    let (mut x_min, mut x_max, mut y_min, mut y_max) = (f64::MAX, f64::MIN, 0.0f64, f64::MIN);
    for (x, y) in points {
        x_min = x_min.min(x);
        x_max = x_max.max(x);
        y_min = y_min.min(y);
        y_max = y_max.max(y);
    }
    if x_max <= x_min {
        x_max = x_min + 1.0;
    }
    if y_max <= y_min {
        y_max = y_min + 1.0;
    }
    let sx = |x: f64| left + (x - x_min) / (x_max - x_min) * plot_w;
    let sy = |y: f64| top + plot_h - (y - y_min) / (y_max - y_min) * plot_h;
    let mut svg = format!(
        r##"<svg viewBox="0 0 {} {}" width="100%" role="img" class="chart">"##,
        left + plot_w + 30.0,
        top + plot_h + 50.0
    );
    legend(
        &mut svg,
        &series.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        left,
    );
    for k in 0..=4 {
        let y = y_min + (y_max - y_min) * f64::from(k) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{left}" y1="{py:.1}" x2="{}" y2="{py:.1}" class="grid"/><text x="{}" y="{:.1}" class="tick" text-anchor="end">{}</text>"##,
            left + plot_w,
            left - 6.0,
            sy(y) + 4.0,
            escape(&format_y(y)),
            py = sy(y)
        );
    }
    // Whole-number x values (k, days) get a tick each when there are few; others five ticks.
    let whole = series
        .iter()
        .flat_map(|(_, p)| p.iter())
        .all(|(x, _)| x.fract() == 0.0);
    let ticks: Vec<f64> = if whole && x_max - x_min <= 12.0 {
        (0..=(x_max - x_min) as usize)
            .map(|i| x_min + i as f64)
            .collect()
    } else {
        (0..=4)
            .map(|k| x_min + (x_max - x_min) * f64::from(k) / 4.0)
            .collect()
    };
    for x in ticks {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{}" class="tick" text-anchor="middle">{}</text>"##,
            sx(x),
            top + plot_h + 16.0,
            escape(&trim_number(x))
        );
    }
    for (s, (name, points)) in series.iter().enumerate() {
        let path: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let _ = write!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"><title>{}</title></polyline>"##,
            path.join(" "),
            PALETTE[s % PALETTE.len()],
            escape(name)
        );
    }
    let _ = write!(
        svg,
        r##"<line x1="{left}" y1="{}" x2="{}" y2="{}" class="axis"/><line x1="{left}" y1="{top}" x2="{left}" y2="{}" class="axis"/><text x="{}" y="{}" class="axis-label" text-anchor="middle">{}</text><text x="14" y="{}" class="axis-label" text-anchor="middle" transform="rotate(-90 14 {})">{}</text></svg>"##,
        top + plot_h,
        left + plot_w,
        top + plot_h,
        top + plot_h,
        left + plot_w / 2.0,
        top + plot_h + 40.0,
        escape(x_axis),
        top + plot_h / 2.0,
        top + plot_h / 2.0,
        escape(y_axis)
    );
    svg
}

/// A grid of cells shaded by value: `cells[row][column]`, rows drawn top to bottom.
pub fn heatmap(
    row_names: &[String],
    column_names: &[String],
    cells: &[Vec<f64>],
    format: impl Fn(f64) -> String,
    x_axis: &str,
    y_axis: &str,
) -> String {
    let (left, top, cell) = (70.0, 20.0, 64.0);
    let max = cells
        .iter()
        .flatten()
        .copied()
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let width = left + cell * column_names.len() as f64 + 20.0;
    let height = top + cell * row_names.len() as f64 + 50.0;
    let mut svg = format!(
        r##"<svg viewBox="0 0 {width} {height}" width="100%" role="img" class="chart heatmap">"##
    );
    for (r, row) in cells.iter().enumerate() {
        for (c, &value) in row.iter().enumerate() {
            let (x, y) = (left + cell * c as f64, top + cell * r as f64);
            let strength = value / max;
            let _ = write!(
                svg,
                r##"<rect x="{x}" y="{y}" width="{}" height="{}" fill="#2f6f9f" fill-opacity="{:.3}" stroke="#fff"><title>{} · {}: {}</title></rect><text x="{:.1}" y="{:.1}" class="cell" text-anchor="middle" fill="{}">{}</text>"##,
                cell,
                cell,
                0.08 + 0.92 * strength,
                escape(&row_names[r]),
                escape(&column_names[c]),
                escape(&format(value)),
                x + cell / 2.0,
                y + cell / 2.0 + 4.0,
                if strength > 0.55 { "#fff" } else { "#222" },
                escape(&format(value))
            );
        }
        let _ = write!(
            svg,
            r##"<text x="{}" y="{:.1}" class="tick" text-anchor="end">{}</text>"##,
            left - 6.0,
            top + cell * r as f64 + cell / 2.0 + 4.0,
            escape(&row_names[r])
        );
    }
    for (c, name) in column_names.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{}" class="tick" text-anchor="middle">{}</text>"##,
            left + cell * c as f64 + cell / 2.0,
            top + cell * row_names.len() as f64 + 16.0,
            escape(name)
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{:.1}" y="{}" class="axis-label" text-anchor="middle">{}</text><text x="14" y="{:.1}" class="axis-label" text-anchor="middle" transform="rotate(-90 14 {:.1})">{}</text></svg>"##,
        left + cell * column_names.len() as f64 / 2.0,
        height - 8.0,
        escape(x_axis),
        top + cell * row_names.len() as f64 / 2.0,
        top + cell * row_names.len() as f64 / 2.0,
        escape(y_axis)
    );
    svg
}

/// A squarified treemap (Bruls, Huizing & van Wijk 2000): one rectangle per item, area in
/// proportion to its value, labelled with its name and `caption`.
pub fn treemap(items: &[(String, f64, String)]) -> String {
    let (width, height) = (720.0, 380.0);
    let mut order: Vec<usize> = (0..items.len()).filter(|&i| items[i].1 > 0.0).collect();
    order.sort_by(|&a, &b| items[b].1.total_cmp(&items[a].1));
    let total: f64 = order.iter().map(|&i| items[i].1).sum();
    let mut svg = format!(
        r##"<svg viewBox="0 0 {width} {height}" width="100%" role="img" class="chart treemap">"##
    );
    if total <= 0.0 {
        svg.push_str("</svg>");
        return svg;
    }
    let scale = width * height / total;
    let mut rest = (0.0, 0.0, width, height);
    let mut k = 0;
    while k < order.len() {
        // Grow the row along the short side while the worst aspect ratio improves.
        let side = rest.2.min(rest.3);
        let mut row = vec![order[k]];
        let worst = |row: &[usize]| {
            let areas: Vec<f64> = row.iter().map(|&i| items[i].1 * scale).collect();
            let sum: f64 = areas.iter().sum();
            areas
                .iter()
                .map(|a| (side * side * a / (sum * sum)).max(sum * sum / (side * side * a)))
                .fold(0.0, f64::max)
        };
        while k + row.len() < order.len() {
            let mut wider = row.clone();
            wider.push(order[k + row.len()]);
            if worst(&wider) > worst(&row) {
                break;
            }
            row = wider;
        }
        let sum: f64 = row.iter().map(|&i| items[i].1 * scale).sum();
        let thickness = sum / side;
        let mut offset = 0.0;
        for &i in &row {
            let length = items[i].1 * scale / thickness;
            let (x, y, w, h) = if rest.2 >= rest.3 {
                (rest.0, rest.1 + offset, thickness, length)
            } else {
                (rest.0 + offset, rest.1, length, thickness)
            };
            offset += length;
            let colour = PALETTE[i % PALETTE.len()];
            let _ = write!(
                svg,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{colour}" fill-opacity="0.85" stroke="#fff" stroke-width="2"><title>{}: {}</title></rect>"##,
                escape(&items[i].0),
                escape(&items[i].2)
            );
            if w > 60.0 && h > 30.0 {
                let _ = write!(
                    svg,
                    r##"<text x="{:.1}" y="{:.1}" class="tile">{}</text><text x="{:.1}" y="{:.1}" class="tile-sub">{}</text>"##,
                    x + 6.0,
                    y + 16.0,
                    escape(&items[i].0),
                    x + 6.0,
                    y + 30.0,
                    escape(&items[i].2)
                );
            }
        }
        if rest.2 >= rest.3 {
            rest = (rest.0 + thickness, rest.1, rest.2 - thickness, rest.3);
        } else {
            rest = (rest.0, rest.1 + thickness, rest.2, rest.3 - thickness);
        }
        k += row.len();
    }
    svg.push_str("</svg>");
    svg
}

/// A funnel: one centred bar per stage, width in proportion to its count.
pub fn funnel(stages: &[(String, f64)], format: impl Fn(f64) -> String) -> String {
    let (width, row) = (720.0, 38.0);
    let max = stages
        .iter()
        .map(|s| s.1)
        .fold(0.0f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut svg = format!(
        r##"<svg viewBox="0 0 {width} {}" width="100%" role="img" class="chart funnel">"##,
        row * stages.len() as f64 + 10.0
    );
    for (k, (name, value)) in stages.iter().enumerate() {
        // Labels in the first 130 px, bars centred on x = 390, at most 500 px wide.
        let w = (value / max * 500.0).max(2.0);
        let y = 5.0 + row * k as f64;
        let _ = write!(
            svg,
            r##"<rect x="{:.1}" y="{y}" width="{w:.1}" height="{}" fill="{}"><title>{}: {}</title></rect><text x="8" y="{:.1}" class="label">{}</text><text x="{:.1}" y="{:.1}" class="value">{}</text>"##,
            390.0 - w / 2.0,
            row - 8.0,
            PALETTE[k % PALETTE.len()],
            escape(name),
            escape(&format(*value)),
            y + row / 2.0,
            escape(name),
            390.0 + w / 2.0 + 6.0,
            y + row / 2.0,
            escape(&format(*value))
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The top of a dendrogram: `merges` are (left, right, height, size) in SciPy's layout, the
/// first one being merge number `first` of a tree over `n` rows; a child that is not one of
/// these merges is drawn as a leaf. The dashed line is the cut.
pub fn dendrogram(
    merges: &[(usize, usize, f64, usize)],
    first: usize,
    n: usize,
    cut: f64,
    y_axis: &str,
) -> String {
    let (left, top, plot_w, plot_h) = (60.0, 16.0, 600.0, 260.0);
    let mut svg = format!(
        r##"<svg viewBox="0 0 {} {}" width="100%" role="img" class="chart dendrogram">"##,
        left + plot_w + 20.0,
        top + plot_h + 50.0
    );
    let Some(root) = merges.len().checked_sub(1) else {
        svg.push_str("</svg>");
        return svg;
    };
    let top_height = merges[root].2.max(f64::MIN_POSITIVE);
    let id_of = |i: usize| n + first + i;
    let merge_of =
        |id: usize| (id >= n + first && id < n + first + merges.len()).then(|| id - n - first);
    // Leaves in drawing order, by walking the tree from the root.
    let mut leaves = Vec::new();
    let mut stack = vec![id_of(root)];
    while let Some(id) = stack.pop() {
        match merge_of(id) {
            Some(m) => {
                stack.push(merges[m].1);
                stack.push(merges[m].0);
            }
            None => leaves.push(id),
        }
    }
    let gap = plot_w / leaves.len().max(1) as f64;
    let sy = |h: f64| top + plot_h - h / top_height * plot_h;
    let mut x_of: std::collections::HashMap<usize, f64> = leaves
        .iter()
        .enumerate()
        .map(|(k, &id)| (id, left + gap * (k as f64 + 0.5)))
        .collect();
    let height_of = |id: usize| merge_of(id).map_or(0.0, |m| merges[m].2);
    for (m, &(a, b, height, _)) in merges.iter().enumerate() {
        let (xa, xb) = (x_of[&a], x_of[&b]);
        let _ = write!(
            svg,
            r##"<polyline points="{xa:.1},{:.1} {xa:.1},{:.1} {xb:.1},{:.1} {xb:.1},{:.1}" fill="none" stroke="#2f6f9f" stroke-width="1.5"/>"##,
            sy(height_of(a)),
            sy(height),
            sy(height),
            sy(height_of(b))
        );
        x_of.insert(id_of(m), (xa + xb) / 2.0);
    }
    let _ = write!(
        svg,
        r##"<line x1="{left}" y1="{cy:.1}" x2="{}" y2="{cy:.1}" stroke="#b04a5a" stroke-dasharray="5 4"/><line x1="{left}" y1="{top}" x2="{left}" y2="{}" class="axis"/><text x="14" y="{:.1}" class="axis-label" text-anchor="middle" transform="rotate(-90 14 {:.1})">{}</text></svg>"##,
        left + plot_w,
        top + plot_h,
        top + plot_h / 2.0,
        top + plot_h / 2.0,
        escape(y_axis),
        cy = sy(cut.min(top_height))
    );
    svg
}

/// Label positions as near their `centres` (ascending) as can be with at least `min_gap`
/// between neighbours, inside `top..=bottom`: pushed down from the top, then back up from the
/// bottom where they ran past it.
fn spread(centres: &[f64], min_gap: f64, top: f64, bottom: f64) -> Vec<f64> {
    let mut at: Vec<f64> = Vec::with_capacity(centres.len());
    for &c in centres {
        let floor = at.last().map_or(top, |&prev| prev + min_gap);
        at.push(c.max(floor));
    }
    let mut ceiling = bottom;
    for y in at.iter_mut().rev() {
        *y = y.min(ceiling);
        ceiling = *y - min_gap;
    }
    at
}

/// Flows between two sets of labels (a two-column Sankey): nodes stacked on each side, height in
/// proportion to customers, one band per non-empty (from, to) pair.
pub fn flows(from: &[String], to: &[String], links: &[(usize, usize, u64)]) -> String {
    // Taller when there are many segments, so each label has a line of its own.
    let most = from.len().max(to.len()) as f64;
    let (width, height, node_w, gap) = (720.0, (16.0 * most + 40.0).max(360.0), 14.0, 8.0);
    let (x_left, x_right) = (170.0, width - 170.0);
    let total: u64 = links.iter().map(|l| l.2).sum();
    let mut svg = format!(
        r##"<svg viewBox="0 0 {width} {height}" width="100%" role="img" class="chart flows">"##
    );
    if total == 0 {
        svg.push_str("</svg>");
        return svg;
    }
    let side = |n: usize, pick: &dyn Fn(&(usize, usize, u64)) -> usize| -> Vec<u64> {
        let mut sizes = vec![0u64; n];
        for l in links {
            sizes[pick(l)] += l.2;
        }
        sizes
    };
    let (left_sizes, right_sizes) = (side(from.len(), &|l| l.0), side(to.len(), &|l| l.1));
    // 12 px of margin above and below, so the outer labels are not clipped.
    let scale = |sizes: &[u64]| {
        (height - 24.0 - gap * (sizes.iter().filter(|&&s| s > 0).count().max(1) - 1) as f64)
            / total as f64
    };
    let starts = |sizes: &[u64], k: f64| -> Vec<f64> {
        let mut y = 12.0;
        sizes
            .iter()
            .map(|&s| {
                let at = y;
                if s > 0 {
                    y += s as f64 * k + gap;
                }
                at
            })
            .collect()
    };
    let (kl, kr) = (scale(&left_sizes), scale(&right_sizes));
    let (left_y, right_y) = (starts(&left_sizes, kl), starts(&right_sizes, kr));
    let (mut left_used, mut right_used) = (vec![0.0; from.len()], vec![0.0; to.len()]);
    for &(a, b, n) in links {
        if n == 0 {
            continue;
        }
        let (ha, hb) = (n as f64 * kl, n as f64 * kr);
        let (ya, yb) = (left_y[a] + left_used[a], right_y[b] + right_used[b]);
        left_used[a] += ha;
        right_used[b] += hb;
        let (x0, x1) = (x_left + node_w, x_right);
        let mid = (x0 + x1) / 2.0;
        let _ = write!(
            svg,
            r##"<path d="M{x0:.1},{ya:.1} C{mid:.1},{ya:.1} {mid:.1},{yb:.1} {x1:.1},{yb:.1} L{x1:.1},{:.1} C{mid:.1},{:.1} {mid:.1},{:.1} {x0:.1},{:.1} Z" fill="{}" fill-opacity="0.35"><title>{} → {}: {n}</title></path>"##,
            yb + hb,
            yb + hb,
            ya + ha,
            ya + ha,
            PALETTE[a % PALETTE.len()],
            escape(&from[a]),
            escape(&to[b])
        );
    }
    for (sizes, ys, k, x, names, anchor, tx) in [
        (&left_sizes, &left_y, kl, x_left, from, "end", x_left - 6.0),
        (
            &right_sizes,
            &right_y,
            kr,
            x_right,
            to,
            "start",
            x_right + node_w + 6.0,
        ),
    ] {
        let shown: Vec<usize> = (0..sizes.len()).filter(|&i| sizes[i] > 0).collect();
        let centres: Vec<f64> = shown
            .iter()
            .map(|&i| ys[i] + sizes[i] as f64 * k / 2.0)
            .collect();
        let label_y = spread(&centres, 14.0, 8.0, height - 4.0);
        for (&i, ly) in shown.iter().zip(label_y) {
            let h = sizes[i] as f64 * k;
            let _ = write!(
                svg,
                r##"<rect x="{x}" y="{:.1}" width="{node_w}" height="{h:.1}" fill="{}"/><text x="{tx}" y="{:.1}" class="label" text-anchor="{anchor}">{} ({})</text>"##,
                ys[i],
                PALETTE[i % PALETTE.len()],
                ly + 4.0,
                escape(&names[i]),
                crate::format_count(sizes[i])
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn legend(svg: &mut String, series: &[&str], left: f64) {
    let mut x = left;
    for (s, name) in series.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="8" width="12" height="12" fill="{}"/><text x="{}" y="18" class="legend">{}</text>"##,
            PALETTE[s % PALETTE.len()],
            x + 16.0,
            escape(name)
        );
        // Wide (CJK) characters take about twice the room of Latin ones at this size.
        x += 24.0
            + name
                .chars()
                .map(|c| if c >= '\u{2E80}' { 12.0 } else { 7.0 })
                .sum::<f64>();
    }
}

fn trim_number(v: f64) -> String {
    if v.fract().abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_text_and_draw_one_shape_per_value() {
        let rows = vec![
            BarRow {
                label: "A <b>".into(),
                values: vec![0.5, 0.2],
            },
            BarRow {
                label: "高价值".into(),
                values: vec![0.1, 0.7],
            },
        ];
        let svg = bar_chart(
            &["customers", "revenue"],
            &rows,
            |v| format!("{:.0}%", v * 100.0),
            "share",
        );
        assert!(svg.contains("A &lt;b&gt;") && svg.contains("高价值"));
        assert_eq!(
            svg.matches("<rect").count(),
            2 + 4,
            "2 legend swatches, 4 bars"
        );
        let line = line_chart(
            &[("Pareto", vec![(0.0, 0.0), (50.0, 0.8), (100.0, 1.0)])],
            "customers %",
            "revenue %",
            |v| format!("{v:.1}"),
        );
        assert!(line.contains("<polyline") && line.contains("customers %"));
        let grid = heatmap(
            &["5".into()],
            &["1".into(), "2".into()],
            &[vec![3.0, 1.0]],
            |v| format!("{v}"),
            "F",
            "R",
        );
        assert_eq!(grid.matches("<rect").count(), 2);
        assert!(!svg.contains("http") && !line.contains("http") && !grid.contains("http"));
    }
}
