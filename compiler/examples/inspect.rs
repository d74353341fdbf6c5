//! Prints what embedml makes of a `.tflite` file: ops, memory plan, or the errors.
//!
//! `cargo run -p embedml-compiler --example inspect -- model.tflite [--expand]`

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: inspect MODEL.tflite [--expand]");
        std::process::exit(2);
    };
    let expand = args.any(|a| a == "--expand");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    match embedml_compiler::analyze(&bytes) {
        Ok(compiled) => {
            for op in &compiled.graph.ops {
                println!("#{:<3} {}", op.index, op.name);
            }
            println!("arena_bytes: {}", compiled.plan.arena_bytes);
            println!("lower_bound: {}", compiled.plan.lower_bound);
            if expand {
                let target = embedml_compiler::emit::Target {
                    visibility: quote::quote!(pub),
                    name: quote::format_ident!("Model"),
                    model_path: None,
                };
                match embedml_compiler::emit::emit(&compiled, &target) {
                    Ok(tokens) => match syn::parse2(tokens.clone()) {
                        Ok(file) => println!("{}", prettyplease::unparse(&file)),
                        Err(_) => println!("{tokens}"),
                    },
                    Err(error) => eprintln!("{error}"),
                }
            }
        }
        Err(errors) => {
            eprintln!("{path}:\n{errors}");
            std::process::exit(1);
        }
    }
}
