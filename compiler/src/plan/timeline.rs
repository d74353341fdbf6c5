//! The memory plan as a picture: an SVG timeline with the operators across and the arena's
//! offsets down, each tensor a box over the operators it is alive at, scratch buffers in grey.
//! Boxes that share bytes (an output overlapping its dying input) show through each other.

use super::MemoryPlan;
use crate::ir::Graph;
use std::fmt::Write;

/// Pixels per operator column, and the picture's height for the arena.
const COLUMN: f64 = 28.0;
const HEIGHT: f64 = 480.0;
const MARGIN: f64 = 60.0;
/// Room below the plot for the operators' names, written slanted.
const LABELS: f64 = 170.0;
/// The title's width at the font size used.
const MIN_WIDTH: f64 = 480.0;
/// Offset ticks on the left axis.
const TICKS: usize = 4;

/// The SVG document of `plan` for `graph`.
pub fn timeline_svg(graph: &Graph, plan: &MemoryPlan) -> String {
    let ops = graph.ops.len().max(1);
    // Wide enough for the title lines, on a model of a few operators too.
    let width = (MARGIN * 2.0 + COLUMN * (ops + 1) as f64).max(MIN_WIDTH);
    let scale = HEIGHT / plan.arena_bytes.max(1) as f64;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{:.0}" font-family="sans-serif" font-size="10">"#,
        HEIGHT + MARGIN + LABELS
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="20">arena {} bytes (tensors alive at once, at most: {} bytes)</text>"#,
        plan.arena_bytes, plan.lower_bound
    );
    let _ = writeln!(
        svg,
        r#"<text x="{MARGIN}" y="36">across: operators; down: byte offset; grey: scratch; *: output over its input</text>"#,
    );
    let y = |offset: usize| MARGIN + offset as f64 * scale;
    let x = |op: usize| MARGIN + op as f64 * COLUMN;
    let _ = writeln!(
        svg,
        r##"<rect x="{}" y="{}" width="{}" height="{HEIGHT}" fill="none" stroke="#888"/>"##,
        x(0),
        y(0),
        COLUMN * (ops + 1) as f64
    );
    for tick in 0..=TICKS {
        let offset = plan.arena_bytes * tick / TICKS;
        let _ = writeln!(
            svg,
            r##"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#888"/><text x="{:.1}" y="{:.1}" text-anchor="end">{offset}</text>"##,
            x(0) - 4.0,
            y(offset),
            x(0),
            y(offset),
            x(0) - 6.0,
            y(offset) + 3.0,
        );
    }
    for (t, alive) in plan.alive.iter().enumerate() {
        let (Some((first, last)), super::Storage::Arena(offset)) = (alive, plan.storage[t]) else {
            continue;
        };
        let bytes = graph.tensors[t].byte_len().unwrap_or(0);
        if bytes == 0 {
            continue;
        }
        // A hue per tensor, so that neighbours differ (as `#rrggbb`: every renderer knows it).
        let hue = (t * 67) % 360;
        let (fill, stroke) = (color(hue, 0.62), color(hue, 0.35));
        let _ = writeln!(
            svg,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" fill-opacity="0.6" stroke="{stroke}"><title>#{t} {}: {bytes} bytes at {offset}, ops {first}..={last}</title></rect>"#,
            x(*first) + 2.0,
            y(offset),
            (last - first + 1) as f64 * COLUMN - 4.0,
            (bytes as f64 * scale).max(1.0),
            escape(&graph.tensors[t].name),
        );
    }
    for (at, scratch) in plan.scratch.iter().enumerate() {
        if let Some((offset, bytes)) = scratch {
            let _ = writeln!(
                svg,
                r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#999" fill-opacity="0.7"><title>scratch of op {at}: {bytes} bytes at {offset}</title></rect>"##,
                x(at) + 6.0,
                y(*offset),
                COLUMN - 12.0,
                (*bytes as f64 * scale).max(1.0),
            );
        }
    }
    for (at, op) in graph.ops.iter().enumerate() {
        let mark = if plan.overlap.get(at).is_some_and(Option::is_some) {
            "*"
        } else {
            ""
        };
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" transform="rotate(60 {:.1} {:.1})">{at} {}{mark}</text>"#,
            x(at) + 4.0,
            HEIGHT + MARGIN + 12.0,
            x(at) + 4.0,
            HEIGHT + MARGIN + 12.0,
            escape(&op.name)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// The colour of `hue` (degrees) at 60 % saturation and `lightness`, as `#rrggbb`.
fn color(hue: usize, lightness: f64) -> String {
    let c = (1.0 - (2.0 * lightness - 1.0).abs()) * 0.6;
    let h = (hue % 360) as f64 / 60.0;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = lightness - c / 2.0;
    let byte = |v: f64| ((v + m).clamp(0.0, 1.0) * 255.0).round() as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}

/// `text` with XML's special characters escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_model_draws_one_box_per_arena_tensor() {
        // A copy inside the crate, so that the packaged crate's tests find it.
        let bytes = include_bytes!("../../testdata/hello_world_int8.tflite");
        let compiled = crate::analyze(bytes).unwrap();
        let svg = super::timeline_svg(&compiled.graph, &compiled.plan);
        // Less the background and the frame.
        let boxes = svg.matches("<rect").count() - 2;
        let arena_tensors = compiled.plan.alive.iter().filter(|a| a.is_some()).count();
        assert_eq!(boxes, arena_tensors);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    }
}
