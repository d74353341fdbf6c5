//! Small hand-built models, one or two operators each, so the structure-aware target starts from
//! valid graphs for every operator the compiler knows (the real models cover only a few).

use crate::model::{Buffer, Field, Model, OpCode, Operator, Options, Quant, SubGraph, Tensor};

/// Tensor element type codes.
pub const F32: i8 = 0;
pub const I32: i8 = 2;
pub const I8: i8 = 9;

/// Builds one model.
#[derive(Default)]
pub struct Builder {
    m: Model,
}

impl Builder {
    pub fn new() -> Self {
        let mut m = Model {
            version: Some(3),
            ..Default::default()
        };
        m.buffers.push(Buffer::default());
        m.subgraphs.push(SubGraph::default());
        Builder { m }
    }

    fn sg(&mut self) -> &mut SubGraph {
        &mut self.m.subgraphs[0]
    }

    /// An activation tensor; int8 ones are quantized with `(scale, zero_point)`.
    pub fn act(&mut self, shape: &[i32], ty: i8, q: Option<(f32, i64)>) -> i32 {
        let quantization = q.map(|(s, z)| Quant {
            scale: Some(vec![s]),
            zero_point: Some(vec![z]),
            ..Default::default()
        });
        let sg = self.sg();
        sg.tensors.push(Tensor {
            shape: Some(shape.to_vec()),
            element_type: Some(ty),
            buffer: Some(0),
            name: Some(format!("t{}", sg.tensors.len())),
            quantization,
            ..Default::default()
        });
        (sg.tensors.len() - 1) as i32
    }

    /// A constant tensor with little-endian `data`.
    pub fn constant(&mut self, shape: &[i32], ty: i8, data: Vec<u8>, q: Option<Quant>) -> i32 {
        self.m.buffers.push(Buffer {
            data: Some(data),
            ..Default::default()
        });
        let buffer = (self.m.buffers.len() - 1) as u32;
        let sg = self.sg();
        sg.tensors.push(Tensor {
            shape: Some(shape.to_vec()),
            element_type: Some(ty),
            buffer: Some(buffer),
            name: Some(format!("c{}", sg.tensors.len())),
            quantization: q,
            ..Default::default()
        });
        (sg.tensors.len() - 1) as i32
    }

    pub fn ints(&mut self, values: &[i32]) -> i32 {
        let data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.constant(&[values.len() as i32], I32, data, None)
    }

    pub fn op(
        &mut self,
        builtin: i32,
        inputs: &[i32],
        outputs: &[i32],
        tag: u8,
        fields: Vec<(u16, Field)>,
    ) {
        let code = OpCode {
            deprecated_builtin_code: Some(builtin.min(127) as i8),
            custom_code: None,
            version: Some(1),
            builtin_code: Some(builtin),
        };
        let index = match self.m.operator_codes.iter().position(|c| *c == code) {
            Some(i) => i,
            None => {
                self.m.operator_codes.push(code);
                self.m.operator_codes.len() - 1
            }
        };
        let options = (tag != 0).then_some(Options { fields });
        self.sg().operators.push(Operator {
            opcode_index: Some(index as u32),
            inputs: Some(inputs.to_vec()),
            outputs: Some(outputs.to_vec()),
            builtin_options_type: Some(tag),
            builtin_options: options,
            ..Default::default()
        });
    }

    pub fn io(mut self, inputs: &[i32], outputs: &[i32]) -> Model {
        self.sg().inputs = Some(inputs.to_vec());
        self.sg().outputs = Some(outputs.to_vec());
        self.m
    }
}

const Q: Option<(f32, i64)> = Some((0.05, -3));

fn f32s(values: impl IntoIterator<Item = f32>) -> Vec<u8> {
    values.into_iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Single-operator models: `(name, model)`.
pub fn models() -> Vec<(&'static str, Model)> {
    let mut out = Vec::new();
    let q = |ty: i8| if ty == I8 { Q } else { None };
    for ty in [I8, F32] {
        let tn = if ty == I8 { "i8" } else { "f32" };
        // Unary, shape-preserving operators.
        for (name, builtin, tag, fields, out_q) in [
            ("relu", 19, 0, vec![], q(ty)),
            ("relu6", 21, 0, vec![], q(ty)),
            ("relu_n1_to_1", 20, 0, vec![], q(ty)),
            (
                "logistic",
                14,
                0,
                vec![],
                if ty == I8 {
                    Some((1.0 / 256.0, -128))
                } else {
                    None
                },
            ),
            (
                "tanh",
                28,
                0,
                vec![],
                if ty == I8 {
                    Some((1.0 / 128.0, 0))
                } else {
                    None
                },
            ),
            ("hard_swish", 117, 0, vec![], q(ty)),
            ("abs", 101, 0, vec![], q(ty)),
            (
                "leaky_relu",
                98,
                75,
                vec![(0, Field::B4(0.2f32.to_bits()))],
                q(ty),
            ),
            (
                "softmax",
                25,
                9,
                vec![(0, Field::B4(1.0f32.to_bits()))],
                if ty == I8 {
                    Some((1.0 / 256.0, -128))
                } else {
                    None
                },
            ),
        ] {
            let mut b = Builder::new();
            let i = b.act(&[1, 4, 4, 3], ty, q(ty));
            let o = b.act(&[1, 4, 4, 3], ty, out_q);
            b.op(builtin, &[i], &[o], tag, fields);
            out.push((leak(format!("{name}_{tn}")), b.io(&[i], &[o])));
        }
        // NEG: float32 only (TFLM has no int8 kernel).
        if ty == F32 {
            let mut b = Builder::new();
            let i = b.act(&[1, 4, 4, 3], ty, None);
            let o = b.act(&[1, 4, 4, 3], ty, None);
            b.op(59, &[i], &[o], 0, vec![]);
            out.push(("neg_f32", b.io(&[i], &[o])));
        }
        // Binary elementwise operators, with broadcasting.
        for (name, builtin, tag) in [
            ("add", 0, 11),
            ("sub", 41, 28),
            ("mul", 18, 21),
            ("maximum", 55, 39),
            ("minimum", 57, 39),
            ("squared_difference", 99, 0),
        ] {
            let mut b = Builder::new();
            let x = b.act(&[1, 4, 4, 3], ty, q(ty));
            let same = tag == 39;
            let y = b.act(
                &[1, 1, 4, 1],
                ty,
                if same {
                    q(ty)
                } else {
                    Some((0.1, 2)).filter(|_| ty == I8)
                },
            );
            let o = b.act(
                &[1, 4, 4, 3],
                ty,
                if same {
                    q(ty)
                } else {
                    Some((0.2, 1)).filter(|_| ty == I8)
                },
            );
            let fields = if tag == 39 {
                vec![]
            } else {
                vec![(0, Field::B1(1))]
            };
            b.op(builtin, &[x, y], &[o], tag, fields);
            out.push((leak(format!("{name}_{tn}")), b.io(&[x, y], &[o])));
        }
        // Pooling.
        for (name, builtin) in [("avg_pool", 1), ("max_pool", 17)] {
            let mut b = Builder::new();
            let i = b.act(&[1, 5, 5, 2], ty, q(ty));
            let o = b.act(&[1, 3, 3, 2], ty, q(ty));
            let fields = vec![
                (0, Field::B1(0)),
                (1, Field::B4(2)),
                (2, Field::B4(2)),
                (3, Field::B4(2)),
                (4, Field::B4(2)),
                (5, Field::B1(0)),
            ];
            b.op(builtin, &[i], &[o], 5, fields);
            out.push((leak(format!("{name}_{tn}")), b.io(&[i], &[o])));
        }
        // Concatenation.
        {
            let mut b = Builder::new();
            let x = b.act(&[1, 2, 3], ty, q(ty));
            let y = b.act(&[1, 2, 5], ty, q(ty));
            let o = b.act(&[1, 2, 8], ty, q(ty));
            b.op(
                2,
                &[x, y],
                &[o],
                10,
                vec![(0, Field::B4(-1i32 as u32)), (1, Field::B1(0))],
            );
            out.push((leak(format!("concatenation_{tn}")), b.io(&[x, y], &[o])));
        }
        // Shape operators with constant operands.
        {
            let mut b = Builder::new();
            let i = b.act(&[1, 4, 4, 3], ty, q(ty));
            let shape = b.ints(&[1, 48]);
            let o = b.act(&[1, 48], ty, q(ty));
            b.op(
                22,
                &[i, shape],
                &[o],
                17,
                vec![(0, Field::Ints(vec![1, 48]))],
            );
            out.push((leak(format!("reshape_{tn}")), b.io(&[i], &[o])));
        }
        {
            let mut b = Builder::new();
            let i = b.act(&[1, 3, 4, 2], ty, q(ty));
            let pads = b.constant(
                &[4, 2],
                I32,
                [0, 0, 1, 1, 2, 0, 0, 0]
                    .iter()
                    .flat_map(|v: &i32| v.to_le_bytes())
                    .collect(),
                None,
            );
            let o = b.act(&[1, 5, 6, 2], ty, q(ty));
            b.op(34, &[i, pads], &[o], 22, vec![]);
            out.push((leak(format!("pad_{tn}")), b.io(&[i], &[o])));
        }
        {
            let mut b = Builder::new();
            let i = b.act(&[2, 3, 4], ty, q(ty));
            let perm = b.ints(&[2, 0, 1]);
            let o = b.act(&[4, 2, 3], ty, q(ty));
            b.op(39, &[i, perm], &[o], 26, vec![]);
            out.push((leak(format!("transpose_{tn}")), b.io(&[i], &[o])));
        }
        {
            let mut b = Builder::new();
            let i = b.act(&[1, 4, 4, 3], ty, q(ty));
            let axes = b.ints(&[1, 2]);
            let o = b.act(&[1, 1, 1, 3], ty, q(ty));
            b.op(40, &[i, axes], &[o], 27, vec![(0, Field::B1(1))]);
            out.push((leak(format!("mean_{tn}")), b.io(&[i], &[o])));
        }
        {
            let mut b = Builder::new();
            let i = b.act(&[1, 6, 4, 3], ty, q(ty));
            let begin = b.ints(&[0, 1, 0, 0]);
            let end = b.ints(&[1, 5, 4, 3]);
            let strides = b.ints(&[1, 2, 1, 1]);
            let o = b.act(&[1, 2, 4, 3], ty, q(ty));
            b.op(
                45,
                &[i, begin, end, strides],
                &[o],
                32,
                vec![(0, Field::B4(0)), (1, Field::B4(0))],
            );
            out.push((leak(format!("strided_slice_{tn}")), b.io(&[i], &[o])));
        }
        // Convolutions with dilation and strides, per-channel int8.
        {
            let mut b = Builder::new();
            let i = b.act(&[1, 7, 7, 2], ty, q(ty));
            let (filter, bias) = weights(&mut b, ty, &[3, 3, 3, 2], 3, 0);
            let o = b.act(&[1, 3, 3, 3], ty, q(ty));
            let fields = vec![
                (0, Field::B1(1)),
                (1, Field::B4(2)),
                (2, Field::B4(2)),
                (3, Field::B1(1)),
                (4, Field::B4(1)),
                (5, Field::B4(1)),
            ];
            b.op(3, &[i, filter, bias], &[o], 1, fields);
            out.push((leak(format!("conv_{tn}")), b.io(&[i], &[o])));
        }
        {
            let mut b = Builder::new();
            let i = b.act(&[1, 6, 6, 2], ty, q(ty));
            let (filter, bias) = weights(&mut b, ty, &[1, 3, 3, 4], 4, 3);
            let o = b.act(&[1, 6, 6, 4], ty, q(ty));
            let fields = vec![
                (0, Field::B1(0)),
                (1, Field::B4(1)),
                (2, Field::B4(1)),
                (3, Field::B4(2)),
                (4, Field::B1(3)),
                (5, Field::B4(2)),
                (6, Field::B4(2)),
            ];
            b.op(4, &[i, filter, bias], &[o], 2, fields);
            out.push((leak(format!("depthwise_conv_{tn}")), b.io(&[i], &[o])));
        }
        {
            let mut b = Builder::new();
            let i = b.act(&[2, 6], ty, q(ty));
            let (w, bias) = weights(&mut b, ty, &[5, 6], 5, 0);
            let o = b.act(&[2, 5], ty, q(ty));
            b.op(9, &[i, w, bias], &[o], 8, vec![(0, Field::B1(0))]);
            out.push((leak(format!("fully_connected_{tn}")), b.io(&[i], &[o])));
        }
    }
    // Type conversions.
    {
        let mut b = Builder::new();
        let i = b.act(&[1, 8], F32, None);
        let o = b.act(&[1, 8], I8, Q);
        b.op(114, &[i], &[o], 0, vec![]);
        out.push(("quantize_f32_i8", b.io(&[i], &[o])));
    }
    {
        let mut b = Builder::new();
        let i = b.act(&[1, 8], I8, Q);
        let o = b.act(&[1, 8], I8, Some((0.3, 7)));
        b.op(114, &[i], &[o], 0, vec![]);
        out.push(("requantize_i8", b.io(&[i], &[o])));
    }
    {
        let mut b = Builder::new();
        let i = b.act(&[1, 8], I8, Q);
        let o = b.act(&[1, 8], F32, None);
        b.op(6, &[i], &[o], 0, vec![]);
        out.push(("dequantize_i8_f32", b.io(&[i], &[o])));
    }
    // A small chain: conv -> relu -> reshape -> fully connected -> softmax.
    {
        let mut b = Builder::new();
        let i = b.act(&[1, 4, 4, 1], I8, Q);
        let (filter, bias) = weights(&mut b, I8, &[2, 3, 3, 1], 2, 0);
        let c = b.act(&[1, 4, 4, 2], I8, Q);
        b.op(
            3,
            &[i, filter, bias],
            &[c],
            1,
            vec![(0, Field::B1(0)), (1, Field::B4(1)), (2, Field::B4(1))],
        );
        let r = b.act(&[1, 4, 4, 2], I8, Q);
        b.op(19, &[c], &[r], 0, vec![]);
        let shape = b.ints(&[1, 32]);
        let flat = b.act(&[1, 32], I8, Q);
        b.op(
            22,
            &[r, shape],
            &[flat],
            17,
            vec![(0, Field::Ints(vec![1, 32]))],
        );
        let (w, fb) = weights(&mut b, I8, &[4, 32], 4, 0);
        let logits = b.act(&[1, 4], I8, Some((0.1, 0)));
        b.op(9, &[flat, w, fb], &[logits], 8, vec![]);
        let probs = b.act(&[1, 4], I8, Some((1.0 / 256.0, -128)));
        b.op(
            25,
            &[logits],
            &[probs],
            9,
            vec![(0, Field::B4(1.0f32.to_bits()))],
        );
        out.push(("chain_i8", b.io(&[i], &[probs])));
    }
    out
}

/// Weights (per-channel along `channel_dim` for int8) and a bias of `channels` elements.
fn weights(
    b: &mut Builder,
    ty: i8,
    shape: &[i32],
    channels: usize,
    channel_dim: i32,
) -> (i32, i32) {
    let n: i32 = shape.iter().product();
    if ty == I8 {
        let data = (0..n).map(|k| (k * 37 % 255 - 127) as i8 as u8).collect();
        let q = Quant {
            scale: Some((0..channels).map(|c| 0.01 + c as f32 * 0.003).collect()),
            zero_point: Some(vec![0; channels]),
            quantized_dimension: Some(channel_dim),
            ..Default::default()
        };
        let w = b.constant(shape, I8, data, Some(q));
        let bq = Quant {
            scale: Some((0..channels).map(|c| 0.0005 + c as f32 * 0.0001).collect()),
            zero_point: Some(vec![0; channels]),
            ..Default::default()
        };
        let bias = b.constant(
            &[channels as i32],
            I32,
            (0..channels as i32)
                .flat_map(|c| (c * 100 - 150).to_le_bytes())
                .collect(),
            Some(bq),
        );
        (w, bias)
    } else {
        let w = b.constant(
            shape,
            F32,
            f32s((0..n).map(|k| (k % 7) as f32 * 0.1 - 0.3)),
            None,
        );
        let bias = b.constant(
            &[channels as i32],
            F32,
            f32s((0..channels).map(|c| c as f32 * 0.5)),
            None,
        );
        (w, bias)
    }
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}
