//! Shows what the compiler makes of a fuzz input: `cargo run --example show -- [--mutate] FILE [OUT.tflite]`.
//!
//! With `--mutate`, FILE is a `mutate` target input: the model it builds is written to OUT (if
//! given) and analysed.

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mutate = args.first().is_some_and(|a| a == "--mutate");
    if mutate {
        args.remove(0);
    }
    let data = std::fs::read(&args[0]).unwrap();
    let bytes = if mutate {
        embedml_fuzz::mutated_model(&data)
    } else {
        data
    };
    if let Some(out) = args.get(1) {
        std::fs::write(out, &bytes).unwrap();
    }
    match embedml_compiler::analyze(&bytes) {
        Err(e) => println!("Err:\n{e}"),
        Ok(c) => {
            for op in &c.graph.ops {
                println!(
                    "op {} {} inputs {:?} outputs {:?}",
                    op.index, op.name, op.inputs, op.outputs
                );
            }
            for (i, t) in c.graph.tensors.iter().enumerate() {
                println!(
                    "tensor {i} {:?} {:?} q={:?} const={} storage={:?}",
                    t.element_type,
                    t.shape,
                    t.scale_and_zero_point(),
                    t.data.is_some(),
                    c.plan.storage[i]
                );
            }
            println!("inputs {:?} outputs {:?}", c.graph.inputs, c.graph.outputs);
            println!(
                "arena {} in_place {:?}",
                c.plan.arena_bytes, c.plan.in_place
            );
            for call in &c.program.calls {
                println!(
                    "call op {} {} in_place={} inputs {:?} output {:?}",
                    call.op_index, call.kernel.function, call.in_place, call.reads, call.write
                );
            }
        }
    }
    embedml_fuzz::run(&bytes);
}
