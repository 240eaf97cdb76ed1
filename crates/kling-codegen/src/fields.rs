//! Each field resolved for generation: its Rust name, its [`Shape`] (from `kling-descriptor`,
//! the one classification every reader shares) and the Rust type that holds it, with the enums and
//! structs that type needs.

use kling_descriptor::Diagnostic;
use kling_descriptor::diagnostics::Pointer;
use kling_descriptor::model::Field;
use kling_descriptor::naming;
use kling_descriptor::shape::Shape;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::{Cx, all, enums, structs};

/// The Rust type of a value.
#[derive(Clone)]
pub(crate) enum Ty {
    /// `String`.
    Text,
    /// A generated enum of options.
    Enum(Ident),
    /// `bool`.
    Bool,
    /// `i64`.
    Int,
    /// `f64`.
    Float,
    /// `Vec<item>`.
    List(Box<Ty>),
    /// A generated struct.
    Struct(Ident),
}

impl Ty {
    pub fn tokens(&self) -> TokenStream {
        match self {
            Ty::Text => quote!(::std::string::String),
            Ty::Enum(ident) | Ty::Struct(ident) => quote!(#ident),
            Ty::Bool => quote!(bool),
            Ty::Int => quote!(i64),
            Ty::Float => quote!(f64),
            Ty::List(item) => {
                let item = item.tokens();
                quote!(::std::vec::Vec<#item>)
            }
        }
    }
}

/// One field, resolved.
pub(crate) struct FieldGen<'a> {
    pub field: &'a Field,
    pub ident: Ident,
    pub shape: Shape<'a>,
    pub ty: Ty,
    /// Where the field sits in the descriptor.
    pub at: Pointer,
}

/// Resolves every field of a struct (at `at`, a `fields` array), pushing the types they need
/// into `types`.
pub(crate) fn resolve_all<'a>(
    cx: &Cx<'_>,
    fields: &'a [Field],
    parents: &[&str],
    at: &Pointer,
    types: &mut Vec<TokenStream>,
) -> Result<Vec<FieldGen<'a>>, Vec<Diagnostic>> {
    all(fields
        .iter()
        .enumerate()
        .map(|(i, field)| resolve(cx, field, parents, &at.index(i), types)))
}

/// The shape of a field, its problems reported at the field.
pub(crate) fn shape_of<'a>(
    cx: &Cx<'_>,
    field: &'a Field,
    at: &Pointer,
) -> Result<Shape<'a>, Vec<Diagnostic>> {
    field.shape().map_err(|problems| {
        problems
            .into_iter()
            .flat_map(|p| cx.error(p.code, &at.join(&p.at), p.message, p.hint))
            .collect()
    })
}

fn resolve<'a>(
    cx: &Cx<'_>,
    field: &'a Field,
    parents: &[&str],
    at: &Pointer,
    types: &mut Vec<TokenStream>,
) -> Result<FieldGen<'a>, Vec<Diagnostic>> {
    let shape = shape_of(cx, field, at)?;
    let mut path: Vec<&str> = parents.to_vec();
    path.push(field.rust_name.as_deref().unwrap_or(&field.name));
    let ident = cx.ident(&field.rust_ident(), &at.key("name"))?;
    let ty = match &shape {
        Shape::TextOption(_) | Shape::IntOption { .. } => {
            let spec = enums::spec(cx, field, &shape, &path, at)?;
            types.push(enums::definition(&spec, field));
            Ty::Enum(spec.ident)
        }
        Shape::Object(members) => {
            let name = cx.ident(&naming::type_ident(&path), at)?;
            let doc = format!("The members of `{}`.", field.name);
            let at = at.key("fields");
            types.push(structs::definition(cx, &name, &doc, members, &path, &at)?);
            Ty::Struct(name)
        }
        Shape::Array { item, .. } => match item.as_ref() {
            Shape::Object(members) => {
                let name = format_ident!("{}Item", cx.ident(&naming::type_ident(&path), at)?);
                let doc = format!("One item of `{}`.", field.name);
                let at = at.key("items").key("fields");
                types.push(structs::definition(cx, &name, &doc, members, &path, &at)?);
                Ty::List(Box::new(Ty::Struct(name)))
            }
            item => Ty::List(Box::new(scalar(cx, item, &at.key("items"))?)),
        },
        scalar_shape => scalar(cx, scalar_shape, at)?,
    };
    Ok(FieldGen {
        field,
        ident,
        shape,
        ty,
        at: at.clone(),
    })
}

/// The type of a shape that needs no generated type.
fn scalar(cx: &Cx<'_>, shape: &Shape<'_>, at: &Pointer) -> Result<Ty, Vec<Diagnostic>> {
    match shape {
        Shape::Text { .. } | Shape::Url { .. } => Ok(Ty::Text),
        Shape::Bool | Shape::BoolText(_) => Ok(Ty::Bool),
        Shape::Int(_) | Shape::IntText => Ok(Ty::Int),
        Shape::Number { .. } => Ok(Ty::Float),
        // Array items hold neither options, arrays nor (here) objects.
        other => Err(cx.error(
            kling_descriptor::Code::NestedArray,
            at,
            format!(
                "array items of type {} are not supported here",
                other.wire_type().as_str()
            ),
            "use items of a scalar type, or object items",
        )),
    }
}
