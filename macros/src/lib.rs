//! The `include_model!` procedural macro of [embedml](https://docs.rs/embedml).
//!
//! A thin shell: it parses the arguments, reads the model file, calls
//! [`embedml_compiler::compile`] and turns its errors into `compile_error!`s pointing at the
//! path. Use it through `embedml::include_model!`.

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token, Visibility};

/// `include_model!(pub Name, "path/to/model.tflite")`: compiles a TensorFlow Lite model into a
/// static `no_std` Rust type. `include_model!(Name, out_dir = "model.tflite")` reads a model a
/// build script wrote to `OUT_DIR`; `include_model!(Name, "model.tflite", memory = "min")`
/// trades speed for the smallest arena; `custom = { "MyOp" => crate::my_op }` runs an operator
/// embedml lacks with a kernel of yours (see `embedml::CustomOp`). See the `embedml` crate
/// documentation.
#[proc_macro]
pub fn include_model(input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(input as Args);
    expand(&args)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

struct Args {
    visibility: Visibility,
    name: Ident,
    path: LitStr,
    /// The path is relative to the crate's `OUT_DIR` (`out_dir = "model.tflite"`: a model a
    /// build script wrote), not to the invoking source file.
    in_out_dir: bool,
    options: embedml_compiler::Options,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let visibility = input.parse()?;
        let name = input.parse()?;
        input.parse::<Token![,]>()?;
        // `"path"`, or `out_dir = "path"` for a file a build script wrote to `OUT_DIR`.
        let in_out_dir = input.peek(Ident) && input.peek2(Token![=]);
        if in_out_dir {
            let key: Ident = input.parse()?;
            if key != "out_dir" {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "expected the model path (a string literal) or `out_dir = \"...\"`, found `{key} =`"
                    ),
                ));
            }
            input.parse::<Token![=]>()?;
        }
        let path = input.parse()?;
        let mut options = embedml_compiler::Options::default();
        // Optional `key = "value"` arguments after the path.
        while input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            if key == "custom" {
                options
                    .user_kernels
                    .extend(user_kernels(input, &options.user_kernels)?);
                continue;
            }
            let value: LitStr = input.parse()?;
            match (key.to_string().as_str(), value.value().as_str()) {
                ("memory", "fast") => options.memory = embedml_compiler::Memory::Fast,
                ("memory", "min") => options.memory = embedml_compiler::Memory::Min,
                ("memory", other) => {
                    return Err(syn::Error::new(
                        value.span(),
                        format!("`memory` is \"fast\" (the default) or \"min\", not {other:?}"),
                    ));
                }
                (other, _) => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown argument `{other}`: include_model! takes `memory = \"fast\" | \"min\"` and `custom = {{ \"Op\" => path::to::kernel, .. }}`"
                        ),
                    ));
                }
            }
        }
        Ok(Args {
            visibility,
            name,
            path,
            in_out_dir,
            options,
        })
    }
}

/// The braced list of `custom = { "Op" => path::to::kernel, .. }`: a user-supplied kernel per
/// operator (custom code or builtin name), each named once.
fn user_kernels(
    input: ParseStream,
    earlier: &[embedml_compiler::UserKernel],
) -> syn::Result<Vec<embedml_compiler::UserKernel>> {
    let content;
    syn::braced!(content in input);
    let mut kernels: Vec<embedml_compiler::UserKernel> = Vec::new();
    while !content.is_empty() {
        let operator: LitStr = content.parse()?;
        content.parse::<Token![=>]>()?;
        let function: syn::Path = content.parse()?;
        let name = operator.value();
        if earlier.iter().chain(&kernels).any(|k| k.operator == name) {
            return Err(syn::Error::new(
                operator.span(),
                format!("operator {name:?} is given a kernel twice"),
            ));
        }
        if name.is_empty() {
            return Err(syn::Error::new(
                operator.span(),
                "the operator name is empty: give a custom operator's custom code or a builtin operator's name",
            ));
        }
        kernels.push(embedml_compiler::UserKernel {
            operator: name,
            function: quote::ToTokens::to_token_stream(&function).to_string(),
        });
        if content.parse::<Option<Token![,]>>()?.is_none() {
            break;
        }
    }
    if !content.is_empty() {
        return Err(content.error("expected `,` between kernels: `\"Op\" => path::to::kernel, ..`"));
    }
    Ok(kernels)
}

fn expand(args: &Args) -> syn::Result<proc_macro2::TokenStream> {
    let span = args.path.span();
    let path = if args.in_out_dir {
        let Some(out_dir) = std::env::var_os("OUT_DIR") else {
            return Err(syn::Error::new(
                span,
                "`out_dir = ..` needs the crate's OUT_DIR, which cargo sets only for a package with a build script (add a build.rs that writes the model there)",
            ));
        };
        PathBuf::from(out_dir).join(args.path.value())
    } else {
        resolve(&args.path.value())
    };
    if path.is_dir() {
        return Err(syn::Error::new(
            span,
            format!(
                "{} is a directory, not a .tflite file (a TensorFlow SavedModel? convert it with `tf.lite.TFLiteConverter.from_saved_model` and include the .tflite)",
                path.display()
            ),
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| {
        let hint = if args.in_out_dir {
            ""
        } else {
            " (paths are relative to the source file that invokes include_model!, like include_bytes!; for a model a build script writes, use `out_dir = \"name.tflite\"`)"
        };
        syn::Error::new(
            span,
            format!("cannot read model file {}: {e}{hint}", path.display()),
        )
    })?;
    let path_text = path.to_str().ok_or_else(|| {
        syn::Error::new(
            span,
            format!("model path {} is not valid UTF-8", path.display()),
        )
    })?;
    let visibility = &args.visibility;
    let target = embedml_compiler::emit::Target {
        visibility: quote::quote!(#visibility),
        name: args.name.clone(),
        model_path: Some(path_text),
        instance: instance(&args.name, path_text),
    };
    embedml_compiler::compile_with(&bytes, &target, args.options.clone()).map_err(|errors| {
        let problems: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let message = match problems.as_slice() {
            [one] => format!("embedml cannot compile this model: {one}"),
            many => format!(
                "embedml cannot compile this model ({} problems):\n  {}",
                many.len(),
                many.join("\n  ")
            ),
        };
        syn::Error::new(span, message)
    })
}

/// A number for this invocation of the macro: a hash of the model's name, its file and where
/// the macro is invoked (so two invocations with the same name get distinct wrapper modules, and
/// one clear "defined multiple times" error).
fn instance(name: &Ident, path: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let span = proc_macro::Span::call_site();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (
        name.to_string(),
        path,
        span.file(),
        span.line(),
        span.column(),
    )
        .hash(&mut hasher);
    hasher.finish()
}

/// Resolves `path` like `include_bytes!`: relative to the directory of the source file that
/// invokes the macro, made absolute so the generated `include_bytes!` finds it from anywhere.
fn resolve(path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        return path.to_owned();
    }
    let source = proc_macro::Span::call_site().local_file();
    let base = match source.as_deref().and_then(Path::parent) {
        Some(dir) => dir.to_owned(),
        // No real source file (e.g. a doctest): fall back to the crate root, like build scripts.
        None => std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_default(),
    };
    let joined = base.join(path);
    if joined.is_absolute() {
        joined
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(&joined))
            .unwrap_or(joined)
    }
}
