//! TFLite_Detection_PostProcess: TFLM's custom operator that ends SSD detectors (box decoding
//! against constant anchors, non-maximum suppression), float32.
//!
//! The options are the flexbuffer map TFLM's `Init` reads by key: `max_detections`,
//! `max_classes_per_detection`, `nms_score_threshold`, `nms_iou_threshold`, `num_classes`,
//! `y_scale`, `x_scale`, `h_scale`, `w_scale`, and optionally `detections_per_class` (100) and
//! `use_regular_nms` (false). Everything TFLM's `Prepare` and `Eval` check is checked here, and
//! what would make TFLM read or write outside a tensor (it trusts the model there: anchors
//! fewer than the boxes, outputs smaller than `max_detections`, several classes per detection in
//! fast suppression, whose output offsets run past the outputs) is a named error.
//!
//! Four outputs, four calls: the first runs everything and writes the boxes, leaving classes,
//! scores and count in the operator's scratch buffer; the other three copy them out.

use crate::error::Error;
use crate::ir::ElementType;
use crate::kernel::{self, kernels};
use crate::plan::Access;
use crate::program::KernelCall;

use super::{Check, Lower, Operator};

/// Output slots embedml plans for (TFLM's own models use 10 to 100).
const MAX_DETECTIONS: i64 = 1 << 16;
/// Anchors embedml decodes (SSD MobileNet has 1917).
const MAX_BOXES: usize = 1 << 20;

/// A checked TFLite_Detection_PostProcess.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectionPostProcess {
    /// Box encodings `[1, boxes, >= 4]`.
    pub box_encodings: usize,
    /// Class scores `[1, boxes, classes (+ 1 background)]`.
    pub class_predictions: usize,
    /// Anchors `[boxes, 4]` (constant).
    pub anchors: usize,
    /// Boxes, classes, scores, count.
    pub outputs: [usize; 4],
    /// The kernel's parameters.
    pub params: kernel::DetectionPostProcess,
}

/// Scratch words of the kernel (`embedml::kernels::detection_postprocess_scratch_words`).
fn scratch_words(max_detections: usize, num_boxes: usize) -> usize {
    1 + 2 * max_detections + 8 * max_detections + 16 * num_boxes
}

fn float32(cx: &Check, t: usize, what: &str) -> Result<(), Error> {
    let tensor = cx.tensor(t);
    if tensor.element_type != ElementType::Float32 {
        return Err(cx.tensor_error(
            tensor,
            format!(
                "the {what} has type {}; TFLM's kernel runs FLOAT32 only (its Invoke fails on any other type): dequantize it first",
                tensor.element_type.name()
            ),
        ));
    }
    Ok(())
}

impl Operator for DetectionPostProcess {
    const NAMES: &'static [&'static str] = &[];
    const CUSTOM_CODES: &'static [&'static str] = &["TFLite_Detection_PostProcess"];

    fn check(cx: &Check) -> Result<Self, Error> {
        let o = cx.custom_options()?;
        let e = |m: String| cx.error(m);
        let max_detections = o.int("max_detections", 1..=MAX_DETECTIONS).map_err(e)? as usize;
        let max_classes = o
            .int(
                "max_classes_per_detection",
                i32::MIN as i64..=i32::MAX as i64,
            )
            .map_err(e)?;
        let detections_per_class = if o.has("detections_per_class") {
            o.int("detections_per_class", i32::MIN as i64..=i32::MAX as i64)
                .map_err(e)?
        } else {
            100
        };
        let regular_nms = o.has("use_regular_nms") && o.bool("use_regular_nms").map_err(e)?;
        let score_threshold = o.float("nms_score_threshold").map_err(e)?;
        let iou_threshold = o.float("nms_iou_threshold").map_err(e)?;
        let num_classes = o
            .int("num_classes", i32::MIN as i64..=i32::MAX as i64)
            .map_err(e)?;
        let scale = [
            o.float("y_scale").map_err(e)?,
            o.float("x_scale").map_err(e)?,
            o.float("h_scale").map_err(e)?,
            o.float("w_scale").map_err(e)?,
        ];
        // TFLM's Eval: `intersection_over_union_threshold > 0 && <= 1`.
        if !(iou_threshold > 0.0 && iou_threshold <= 1.0) {
            return Err(cx.error(format!(
                "its nms_iou_threshold is {iou_threshold}; TFLM's Invoke fails unless it is in (0, 1]"
            )));
        }
        if regular_nms && detections_per_class <= 0 {
            return Err(cx.error(format!(
                "its detections_per_class is {detections_per_class}; TFLM's regular suppression fails unless it is positive"
            )));
        }
        if cx.op.inputs.len() != 3 || cx.op.outputs.len() != 4 {
            return Err(cx.error(format!(
                "has {} inputs and {} outputs; TFLM takes 3 (box encodings, class predictions, anchors) and 4 (boxes, classes, scores, count)",
                cx.op.inputs.len(),
                cx.op.outputs.len()
            )));
        }
        let box_encodings = cx.input(0, "box encodings")?;
        let class_predictions = cx.input(1, "class predictions")?;
        let anchors = cx.input(2, "anchors")?;
        float32(cx, box_encodings, "box encodings")?;
        float32(cx, class_predictions, "class predictions")?;
        float32(cx, anchors, "anchors")?;
        let (b, c, a) = (
            cx.tensor(box_encodings),
            cx.tensor(class_predictions),
            cx.tensor(anchors),
        );
        let (&[1, num_boxes, box_stride], &[1, scored, class_stride]) =
            (b.shape.as_slice(), c.shape.as_slice())
        else {
            return Err(cx.error(format!(
                "box encodings {:?} and class predictions {:?} must be [1, boxes, 4 or more] and [1, boxes, classes]: TFLM runs one batch",
                b.shape, c.shape
            )));
        };
        if box_stride < 4 || scored != num_boxes || num_boxes > MAX_BOXES {
            return Err(cx.error(format!(
                "box encodings {:?} and class predictions {:?} do not fit: one encoding of at least 4 values and one row of scores per box, at most {MAX_BOXES} boxes",
                b.shape, c.shape
            )));
        }
        if a.shape != [num_boxes, 4] {
            return Err(cx.tensor_error(
                a,
                format!(
                    "the anchors have shape {:?}; they must be [{num_boxes}, 4] (y, x, h, w per box: TFLM reads one per box encoding)",
                    a.shape
                ),
            ));
        }
        if a.data.is_none() {
            return Err(cx.tensor_error(a, "the anchors must be constant"));
        }
        let label_offset = class_stride as i64 - i64::from(num_classes);
        if num_classes < 1 || !(0..=1).contains(&label_offset) {
            return Err(cx.error(format!(
                "its num_classes is {num_classes} with {class_stride} scores per box; TFLM takes num_classes or num_classes + 1 (a background class first) scores, num_classes at least 1"
            )));
        }
        if !regular_nms && max_classes < 1 {
            return Err(cx.error(format!(
                "its max_classes_per_detection is {max_classes}; TFLM's fast suppression fails unless it is positive"
            )));
        }
        if !regular_nms && max_classes > 1 && num_classes > 1 {
            return Err(cx.error(format!(
                "its max_classes_per_detection is {max_classes}: TFLM's fast suppression writes detection d's class c at {n} * ({n} * d + c) + c, past the outputs for d > 0; use 1 (or use_regular_nms)",
                n = max_classes.min(num_classes)
            )));
        }
        let outputs = [0, 1, 2, 3].map(|k| cx.op.outputs[k]);
        let want = [4 * max_detections, max_detections, max_detections, 1];
        let names = ["boxes", "classes", "scores", "detection count"];
        for k in 0..4 {
            let t = cx.tensor(outputs[k]);
            if t.element_type != ElementType::Float32 || t.len() != want[k] {
                return Err(cx.tensor_error(
                    t,
                    format!(
                        "the {} output is {} {:?}; it must be FLOAT32 with {} values (max_detections {max_detections})",
                        names[k],
                        t.element_type.name(),
                        t.shape,
                        want[k]
                    ),
                ));
            }
        }
        Ok(DetectionPostProcess {
            box_encodings,
            class_predictions,
            anchors,
            outputs,
            params: kernel::DetectionPostProcess {
                num_boxes,
                box_stride,
                num_classes: num_classes as usize,
                class_stride,
                label_offset: label_offset as usize,
                max_detections,
                detections_per_class: detections_per_class.max(0) as usize,
                regular_nms,
                score_threshold,
                iou_threshold,
                scale,
            },
        })
    }

    fn access(&self) -> Access {
        Access::Kernel { in_place: None }
    }

    fn scratch_bytes(&self) -> usize {
        4 * scratch_words(self.params.max_detections, self.params.num_boxes)
    }

    fn lower(&self, _: &Lower) -> Result<Option<KernelCall>, Error> {
        Ok(None)
    }

    fn lower_calls(&self, cx: &Lower) -> Result<Vec<KernelCall>, Error> {
        let d = self.params.max_detections;
        let [boxes, classes, scores, count] = self.outputs;
        let mut calls: Vec<KernelCall> = Vec::new();
        calls.extend(cx.call_with_scratch(
            &kernels::detection_postprocess,
            self.params.clone(),
            &[self.box_encodings, self.class_predictions, self.anchors],
            boxes,
        )?);
        for (start, output) in [(1, classes), (1 + d, scores), (0, count)] {
            calls.extend(cx.call_with_scratch(
                &kernels::detection_postprocess_output,
                kernel::DetectionPostProcessOutput { start },
                &[],
                output,
            )?);
        }
        Ok(calls)
    }
}
