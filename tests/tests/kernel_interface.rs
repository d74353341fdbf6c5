//! The compiler's kernel interface (`embedml_compiler::kernel`) against `embedml::kernels`.
//!
//! The real check happens at build time: `build.rs` renders every declared kernel, parameter
//! struct (with every field and its type) and table function as code naming them in
//! `embedml::kernels`, included here; if core and the compiler disagree, this test does not
//! compile. The test below checks the rendering itself covers every declaration.

include!(concat!(env!("OUT_DIR"), "/kernel_interface.rs"));

use embedml_compiler::kernel::kernels;

#[test]
fn the_rendered_check_names_every_declared_kernel_and_table() {
    let code = embedml_compiler::kernel::interface_check().to_string();
    for kernel in kernels::ALL {
        for function in std::iter::once(kernel.function).chain(kernel.in_place) {
            assert!(
                code.contains(&format!("kernels :: {function} ;")),
                "{function} is not checked"
            );
        }
        let params = (kernel.params)().to_string();
        assert!(code.contains(&params), "{params} is not checked");
    }
    for table in kernels::TABLES {
        assert!(code.contains(&format!("kernels :: {} ;", table.name)));
    }
    // Referenced so the check is type-checked as part of this test crate.
    let _ = interface_check as fn();
}
