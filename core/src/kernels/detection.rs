//! TFLite_Detection_PostProcess (TFLM's custom operator for SSD detectors): box decoding against
//! anchors, then fast (one best class per anchor) or regular (per class) non-maximum
//! suppression, float32 throughout.
//!
//! The operator has four outputs. [`detection_postprocess`] runs everything, writes the boxes
//! and leaves the classes, scores and the detection count at the start of its scratch buffer
//! ([`detection_postprocess_record_words`]); [`detection_postprocess_output`] then copies each
//! of those into its output. The calls of one operator run back to back and the scratch is the
//! operator's alone while they do (the plan keeps it apart from every tensor alive there).
//!
//! The arithmetic is TFLM's: boxes decoded in double precision and rounded to float, the
//! intersection over union in float, the scores' sorts with TFLM's tie order (its stable merge
//! sort, and its partial sort's order of score, then position). Where TFLM's `Invoke` fails (a
//! decoded box with `ymin >= ymax` or `xmin >= xmax`) the kernel reports no detections. Output
//! slots beyond the detections are zero (TFLM's fast suppression leaves them as they were).

use super::slices::enumerate;

/// The parameters of [`detection_postprocess`].
#[derive(Clone, Copy, Debug)]
pub struct DetectionPostProcess {
    /// Anchors (boxes).
    pub num_boxes: usize,
    /// Values per box encoding (at least 4: y, x, h, w first).
    pub box_stride: usize,
    /// Classes, without the background.
    pub num_classes: usize,
    /// Scores per box (`num_classes`, or one more with a background class first).
    pub class_stride: usize,
    /// 1 with a background class, else 0.
    pub label_offset: usize,
    /// Output slots.
    pub max_detections: usize,
    /// Boxes kept per class (regular suppression).
    pub detections_per_class: usize,
    /// Regular (per class) suppression instead of fast.
    pub regular_nms: bool,
    /// Scores below it are dropped.
    pub score_threshold: f32,
    /// Boxes overlapping a kept one by more are dropped.
    pub iou_threshold: f32,
    /// The encodings' scales: y, x, h, w.
    pub scale: [f32; 4],
}

/// The parameters of [`detection_postprocess_output`]: where its values start in the scratch.
#[derive(Clone, Copy, Debug)]
pub struct DetectionPostProcessOutput {
    /// Word index of the first value.
    pub start: usize,
}

/// Scratch words [`detection_postprocess`] leaves for the other outputs: the count, then
/// `max_detections` classes, then as many scores.
pub const fn detection_postprocess_record_words(max_detections: usize) -> usize {
    // Wrapping: exact for the sizes the compiler plans (at most 2^16 detections).
    max_detections.wrapping_mul(2).wrapping_add(1)
}

/// Scratch words [`detection_postprocess`] needs.
pub const fn detection_postprocess_scratch_words(max_detections: usize, num_boxes: usize) -> usize {
    detection_postprocess_record_words(max_detections)
        .wrapping_add(max_detections.wrapping_mul(8))
        .wrapping_add(num_boxes.wrapping_mul(16))
}

/// The next `n` words of `rest` (fewer if it is shorter).
fn take<'a>(rest: &mut &'a mut [u32], n: usize) -> &'a mut [u32] {
    let all = core::mem::take(rest);
    let n = n.min(all.len());
    match all.split_at_mut_checked(n) {
        Some((head, tail)) => {
            *rest = tail;
            head
        }
        None => &mut [],
    }
}

fn get_f(words: &[u32], i: usize) -> f32 {
    words.get(i).map_or(0.0, |&w| f32::from_bits(w))
}

fn set(words: &mut [u32], i: usize, value: u32) {
    if let Some(w) = words.get_mut(i) {
        *w = value;
    }
}

fn set_f(words: &mut [u32], i: usize, value: f32) {
    set(words, i, value.to_bits());
}

/// `std::max<float>` and `std::min<float>`, NaN cases included.
fn max_f(a: f32, b: f32) -> f32 {
    if a < b { b } else { a }
}
fn min_f(a: f32, b: f32) -> f32 {
    if b < a { b } else { a }
}

/// TFLM's insertion sort: each value rotated to its `upper_bound` among those before it.
fn insertion_sort<F: Fn(u32, u32) -> bool>(values: &mut [u32], compare: &F) {
    for i in 0..values.len() {
        let Some(&v) = values.get(i) else {
            return;
        };
        let (mut first, mut len) = (0usize, i);
        while len > 0 {
            let half = len >> 1;
            let middle = first.wrapping_add(half);
            if compare(v, values.get(middle).copied().unwrap_or(0)) {
                len = half;
            } else {
                first = middle.wrapping_add(1);
                len = len.wrapping_sub(half).wrapping_sub(1);
            }
        }
        let mut k = i;
        while k > first {
            let prev = values.get(k.wrapping_sub(1)).copied().unwrap_or(0);
            set(values, k, prev);
            k = k.wrapping_sub(1);
        }
        set(values, first, v);
    }
}

/// TFLM's merge sort (stable): insertion sort below 20 values, else halves merged.
fn merge_sort<F: Fn(u32, u32) -> bool>(values: &mut [u32], scratch: &mut [u32], compare: &F) {
    let n = values.len();
    if n < 20 {
        insertion_sort(values, compare);
        return;
    }
    let half = n / 2;
    if let Some((left, right)) = values.split_at_mut_checked(half) {
        merge_sort(left, scratch, compare);
        merge_sort(right, scratch, compare);
    }
    let (mut left, mut right) = (0usize, half);
    for i in 0..n {
        let l = values.get(left).copied().unwrap_or(0);
        let r = values.get(right).copied().unwrap_or(0);
        let v = if left >= half || (right < n && compare(r, l)) {
            right = right.wrapping_add(1);
            r
        } else {
            left = left.wrapping_add(1);
            l
        };
        set(scratch, i, v);
    }
    for (d, &s) in values.iter_mut().zip(scratch.iter()) {
        *d = s;
    }
}

/// The decoded box `i`: `[ymin, xmin, ymax, xmax]`.
fn decoded_box(decoded: &[u32], i: usize) -> [f32; 4] {
    let at = i.wrapping_mul(4);
    // Not `[0, 1, 2, 3].map`: an array's by-value iteration keeps a debug-build check.
    [
        get_f(decoded, at),
        get_f(decoded, at.wrapping_add(1)),
        get_f(decoded, at.wrapping_add(2)),
        get_f(decoded, at.wrapping_add(3)),
    ]
}

/// TFLM's `ComputeIntersectionOverUnion`, in float.
fn intersection_over_union(decoded: &[u32], i: usize, j: usize) -> f32 {
    let (a, b) = (decoded_box(decoded, i), decoded_box(decoded, j));
    let area_a = (a[2] - a[0]) * (a[3] - a[1]);
    let area_b = (b[2] - b[0]) * (b[3] - b[1]);
    if area_a <= 0.0 || area_b <= 0.0 {
        return 0.0;
    }
    let ymin = max_f(a[0], b[0]);
    let xmin = max_f(a[1], b[1]);
    let ymax = min_f(a[2], b[2]);
    let xmax = min_f(a[3], b[3]);
    let intersection = max_f(ymax - ymin, 0.0) * max_f(xmax - xmin, 0.0);
    intersection / (area_a + area_b - intersection)
}

/// Buffers of one single-class suppression.
struct Nms<'a> {
    keep_scores: &'a mut [u32],
    keep_indices: &'a mut [u32],
    sorted: &'a mut [u32],
    merge: &'a mut [u32],
    active: &'a mut [u32],
    selected: &'a mut [u32],
}

/// TFLM's `NonMaxSuppressionSingleClassHelper` over `scores` (one per box, as f32 bits): the
/// number of boxes selected into `b.selected`, at most `max_out`.
fn suppress(
    p: &DetectionPostProcess,
    scores: &[u32],
    decoded: &[u32],
    max_out: usize,
    b: &mut Nms,
) -> usize {
    let mut kept = 0usize;
    for i in 0..p.num_boxes {
        let score = get_f(scores, i);
        if score >= p.score_threshold {
            set_f(b.keep_scores, kept, score);
            set(b.keep_indices, kept, i as u32);
            kept = kept.wrapping_add(1);
        }
    }
    let kept = kept.min(b.sorted.len());
    for (k, s) in enumerate(b.sorted.iter_mut().take(kept)) {
        *s = k as u32;
    }
    let keep_scores = &*b.keep_scores;
    if let Some(sorted) = b.sorted.get_mut(..kept) {
        merge_sort(sorted, b.merge, &|i, j| {
            get_f(keep_scores, i as usize) > get_f(keep_scores, j as usize)
        });
    }
    let index = |b: &Nms, position: usize| {
        let at = b.sorted.get(position).copied().unwrap_or(0) as usize;
        b.keep_indices.get(at).copied().unwrap_or(0) as usize
    };
    let output_size = kept.min(max_out);
    let mut selected = 0usize;
    let mut active_count = kept;
    for a in b.active.iter_mut().take(kept) {
        *a = 1;
    }
    for i in 0..kept {
        if active_count == 0 || selected >= output_size {
            break;
        }
        if b.active.get(i).copied() != Some(1) {
            continue;
        }
        let box_i = index(b, i);
        set(b.selected, selected, box_i as u32);
        selected = selected.wrapping_add(1);
        set(b.active, i, 0);
        active_count = active_count.wrapping_sub(1);
        for j in i.wrapping_add(1)..kept {
            if b.active.get(j).copied() == Some(1)
                && intersection_over_union(decoded, box_i, index(b, j)) > p.iou_threshold
            {
                set(b.active, j, 0);
                active_count = active_count.wrapping_sub(1);
            }
        }
    }
    selected
}

/// TFLite_Detection_PostProcess: decodes the boxes, suppresses, writes the detected boxes
/// (`[max_detections][4]`) and leaves classes, scores and count in `scratch` for
/// [`detection_postprocess_output`]. `anchors` are `[num_boxes][y, x, h, w]`.
pub fn detection_postprocess(
    p: &DetectionPostProcess,
    box_encodings: &[f32],
    class_predictions: &[f32],
    anchors: &[f32],
    output: &mut [f32],
    scratch: &mut [u32],
) {
    let (n, d) = (p.num_boxes, p.max_detections);
    let mut rest = scratch;
    let record = take(&mut rest, detection_postprocess_record_words(d));
    let decoded = take(&mut rest, n.wrapping_mul(4));
    let work = take(&mut rest, n);
    let candidates = d.wrapping_add(n);
    let mut nms = Nms {
        keep_scores: take(&mut rest, n),
        keep_indices: take(&mut rest, n),
        sorted: take(&mut rest, n),
        active: take(&mut rest, n),
        selected: take(&mut rest, n),
        merge: take(&mut rest, candidates),
    };
    let cand_index = take(&mut rest, candidates);
    let cand_score = take(&mut rest, candidates);
    let cand_order = take(&mut rest, candidates);
    let tmp_index = take(&mut rest, candidates);
    let tmp_score = take(&mut rest, candidates);
    for v in record.iter_mut() {
        *v = 0;
    }
    for o in output.iter_mut() {
        *o = 0.0;
    }

    // Decode, in double as TFLM does.
    let [sy, sx, sh, sw] = p.scale;
    let (sy, sx, sh, sw) = (f64::from(sy), f64::from(sx), f64::from(sh), f64::from(sw));
    let mut valid = true;
    for idx in 0..n {
        let at = idx.wrapping_mul(p.box_stride);
        let e = |k: usize| {
            f64::from(
                box_encodings
                    .get(at.wrapping_add(k))
                    .copied()
                    .unwrap_or(0.0),
            )
        };
        let a = |k: usize| {
            f64::from(
                anchors
                    .get(idx.wrapping_mul(4).wrapping_add(k))
                    .copied()
                    .unwrap_or(0.0),
            )
        };
        let ycenter = (e(0) / sy * a(2) + a(0)) as f32;
        let xcenter = (e(1) / sx * a(3) + a(1)) as f32;
        let half_h = (0.5 * libm::exp(e(2) / sh) * a(2)) as f32;
        let half_w = (0.5 * libm::exp(e(3) / sw) * a(3)) as f32;
        let b = [
            ycenter - half_h,
            xcenter - half_w,
            ycenter + half_h,
            xcenter + half_w,
        ];
        if b[0] >= b[2] || b[1] >= b[3] {
            valid = false;
        }
        for (k, &v) in enumerate(b.iter()) {
            set_f(decoded, idx.wrapping_mul(4).wrapping_add(k), v);
        }
    }
    if !valid {
        return;
    }
    let score = |row: usize, class: usize| {
        class_predictions
            .get(
                row.wrapping_mul(p.class_stride)
                    .wrapping_add(p.label_offset)
                    .wrapping_add(class),
            )
            .copied()
            .unwrap_or(0.0)
    };
    let mut write = |slot: usize, anchor: usize, class: usize, value: f32| {
        let b = decoded_box(decoded, anchor);
        for (k, &v) in enumerate(b.iter()) {
            if let Some(o) = output.get_mut(slot.wrapping_mul(4).wrapping_add(k)) {
                *o = v;
            }
        }
        set_f(record, 1usize.wrapping_add(slot), class as f32);
        set_f(record, 1usize.wrapping_add(d).wrapping_add(slot), value);
    };

    let count = if p.regular_nms {
        let mut size = 0usize;
        for col in 0..p.num_classes {
            for (row, w) in enumerate(work.iter_mut()) {
                *w = score(row, col).to_bits();
            }
            let selected = suppress(p, work, decoded, p.detections_per_class, &mut nms);
            let mut len = size;
            for &s in nms.selected.iter().take(selected) {
                let s = s as usize;
                let index = s
                    .wrapping_mul(p.class_stride)
                    .wrapping_add(col)
                    .wrapping_add(p.label_offset);
                set(cand_index, len, index as u32);
                set(cand_score, len, work.get(s).copied().unwrap_or(0));
                len = len.wrapping_add(1);
            }
            let len = len.min(cand_order.len());
            for (k, o) in enumerate(cand_order.iter_mut().take(len)) {
                *o = k as u32;
            }
            // TFLM's partial sort orders by score, then position: a stable sort's order.
            let scores = &*cand_score;
            if let Some(order) = cand_order.get_mut(..len) {
                merge_sort(order, nms.merge, &|i, j| {
                    let (a, b) = (get_f(scores, i as usize), get_f(scores, j as usize));
                    // `std::tie(a, j) > std::tie(b, i)`, NaN as C++ compares it.
                    #[allow(clippy::neg_cmp_op_on_partial_ord)]
                    let order = b < a || (!(a < b) && i < j);
                    order
                });
            }
            let keep = len.min(d);
            for r in 0..keep {
                let from = cand_order.get(r).copied().unwrap_or(0) as usize;
                set(tmp_index, r, cand_index.get(from).copied().unwrap_or(0));
                set(tmp_score, r, cand_score.get(from).copied().unwrap_or(0));
            }
            for r in 0..keep {
                set(cand_index, r, tmp_index.get(r).copied().unwrap_or(0));
                set(cand_score, r, tmp_score.get(r).copied().unwrap_or(0));
            }
            size = keep;
        }
        for slot in 0..size {
            let index = cand_index.get(slot).copied().unwrap_or(0) as usize;
            let anchor = index.checked_div(p.class_stride).unwrap_or(0);
            let class = index
                .wrapping_sub(anchor.wrapping_mul(p.class_stride))
                .wrapping_sub(p.label_offset);
            write(slot, anchor, class, get_f(cand_score, slot));
        }
        size
    } else {
        // Fast: each anchor's best class (TFLM's partial sort for one class: the first of the
        // highest scores), then one suppression over those.
        for row in 0..n {
            let mut best = 0usize;
            for c in 1..p.num_classes {
                if score(row, best) < score(row, c) {
                    best = c;
                }
            }
            set(cand_index, row, best as u32);
            set_f(work, row, score(row, best));
        }
        let selected = suppress(p, work, decoded, d, &mut nms);
        for (slot, &s) in enumerate(nms.selected.iter().take(selected)) {
            let s = s as usize;
            let class = cand_index.get(s).copied().unwrap_or(0) as usize;
            write(slot, s, class, get_f(work, s));
        }
        selected
    };
    set_f(record, 0, count as f32);
}

/// One of TFLite_Detection_PostProcess's other outputs (classes, scores, count), copied from the
/// scratch buffer [`detection_postprocess`] left them in, from word `start`.
pub fn detection_postprocess_output(
    p: &DetectionPostProcessOutput,
    output: &mut [f32],
    scratch: &mut [u32],
) {
    let words = scratch.get(p.start..).unwrap_or(&[]);
    for (k, o) in enumerate(output.iter_mut()) {
        *o = get_f(words, k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sort_is_stable_and_decreasing() {
        let values = [
            3.0f32, 1.0, 3.0, 2.0, 5.0, 1.0, 0.0, 2.0, 2.0, 4.0, 4.0, 1.0, 3.0, 0.5, 7.0, 3.0, 3.0,
            1.0, 2.0, 6.0, 6.0, 0.0, 3.0, 2.5, 9.0,
        ];
        let mut order: [u32; 25] = core::array::from_fn(|i| i as u32);
        let mut scratch = [0u32; 25];
        merge_sort(&mut order, &mut scratch, &|i, j| {
            values[i as usize] > values[j as usize]
        });
        let mut want: [u32; 25] = core::array::from_fn(|i| i as u32);
        want.sort_by(|&a, &b| values[b as usize].total_cmp(&values[a as usize]));
        assert_eq!(order, want);
    }

    #[test]
    fn two_overlapping_boxes_keep_the_better() {
        let p = DetectionPostProcess {
            num_boxes: 3,
            box_stride: 4,
            num_classes: 1,
            class_stride: 2,
            label_offset: 1,
            max_detections: 3,
            detections_per_class: 3,
            regular_nms: false,
            score_threshold: 0.1,
            iou_threshold: 0.5,
            scale: [10.0, 10.0, 5.0, 5.0],
        };
        // Anchors 0 and 1 the same box; 2 far away.
        let anchors = [0.5, 0.5, 0.2, 0.2, 0.5, 0.5, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1];
        let encodings = [0.0f32; 12];
        let scores = [0.0, 0.6, 0.0, 0.9, 0.0, 0.05];
        let mut boxes = [0.0f32; 12];
        let mut scratch = [0u32; detection_postprocess_scratch_words(3, 3)];
        for regular_nms in [false, true] {
            let p = DetectionPostProcess { regular_nms, ..p };
            detection_postprocess(&p, &encodings, &scores, &anchors, &mut boxes, &mut scratch);
            let mut out = [0.0f32; 7];
            detection_postprocess_output(
                &DetectionPostProcessOutput { start: 0 },
                &mut out,
                &mut scratch,
            );
            // One detection: anchor 1 (score 0.9), class 0; anchor 2 is under the threshold.
            assert_eq!(out, [1.0, 0.0, 0.0, 0.0, 0.9, 0.0, 0.0]);
            let b = [0.4f32, 0.4, 0.6, 0.6];
            for k in 0..4 {
                assert!((boxes[k] - b[k]).abs() < 1e-6);
            }
            assert_eq!(&boxes[4..], &[0.0; 8]);
        }
    }
}
