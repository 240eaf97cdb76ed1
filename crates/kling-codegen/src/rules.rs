//! Cross-field rules, checked in `validate()` after the fields.

use kling_descriptor::diagnostics::Pointer;
use kling_descriptor::model::{Descriptor, Field, Rule};
use kling_descriptor::shape::Shape;
use kling_descriptor::{Code, Diagnostic};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::checks::float;
use crate::fields::{FieldGen, shape_of};
use crate::{Cx, all};

/// The statements of every rule.
pub(crate) fn rules(
    cx: &Cx<'_>,
    d: &Descriptor,
    gens: &[FieldGen<'_>],
) -> Result<Vec<TokenStream>, Vec<Diagnostic>> {
    let at = Pointer::root().key("rules");
    all(d
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| rule_checks(cx, rule, gens, &at.index(i))))
}

/// `Some(&value)` of a field, whether required or not.
fn optional(g: &FieldGen<'_>) -> TokenStream {
    let ident = &g.ident;
    if g.field.required {
        quote!(::core::option::Option::Some(&self.#ident))
    } else {
        quote!(self.#ident.as_ref())
    }
}

fn rule_checks(
    cx: &Cx<'_>,
    rule: &Rule,
    gens: &[FieldGen<'_>],
    at: &Pointer,
) -> Result<TokenStream, Vec<Diagnostic>> {
    let find = |name: &str, key: &str| {
        gens.iter().find(|g| g.field.name == name).ok_or_else(|| {
            cx.error(
                Code::RuleUnknownField,
                &at.key(key),
                format!("rule on missing field `{name}`"),
                "name one of the model's fields",
            )
        })
    };
    let support = quote!(::kling::__private);
    match rule {
        Rule::MaxItemsWhenPresent {
            array,
            when_present,
            max_items,
        } => {
            let items = optional(find(array, "array")?);
            let present = optional(find(when_present, "when_present")?);
            let max = Literal::u32_unsuffixed(*max_items);
            Ok(quote! {
                if !#support::touched(out, &[#array]) {
                    if let ::core::option::Option::Some(items) = #items {
                        #support::max_items_when_present(items.len(), #present.is_some(), #max, &#support::At::Key(at, #array), #when_present, out);
                    }
                }
            })
        }
        Rule::ItemSumAtMost {
            array,
            item_field,
            limit_field,
        } => {
            let a = find(array, "array")?;
            let l = find(limit_field, "limit_field")?;
            let member_sum = member_sum(cx, a, item_field, &at.key("item_field"))?;
            let items = optional(a);
            let limit = limit(cx, l, &at.key("limit_field"))?;
            Ok(quote! {
                if !#support::touched(out, &[#array, #limit_field]) {
                    if let (::core::option::Option::Some(items), ::core::option::Option::Some(limit)) = (#items, #limit) {
                        #support::item_sum_at_most(#member_sum, limit, &#support::At::Key(at, #array), #item_field, #limit_field, out);
                    }
                }
            })
        }
    }
}

/// A number from a value of `shape` behind the reference expression `v`.
fn numeric(
    cx: &Cx<'_>,
    shape: &Shape<'_>,
    v: TokenStream,
    at: &Pointer,
) -> Result<TokenStream, Vec<Diagnostic>> {
    match shape {
        Shape::IntOption { .. } => Ok(quote!(#v.value() as f64)),
        Shape::Number { .. } => Ok(quote!(*#v)),
        Shape::Int(_) | Shape::IntText => Ok(quote!(*#v as f64)),
        _ => Err(cx.error(
            Code::RuleWrongField,
            at,
            "the rule sums or bounds a value that is not a number",
            "name a numeric field",
        )),
    }
}

/// The sum of one numeric member over the items of the array field `a`.
fn member_sum(
    cx: &Cx<'_>,
    a: &FieldGen<'_>,
    item_field: &str,
    at: &Pointer,
) -> Result<TokenStream, Vec<Diagnostic>> {
    let members: &[Field] = match &a.shape {
        Shape::Array { item, .. } => match item.as_ref() {
            Shape::Object(members) => members,
            _ => &[],
        },
        _ => &[],
    };
    let Some((i, member)) = members
        .iter()
        .enumerate()
        .find(|(_, m)| m.name == item_field)
    else {
        return Err(cx.error(
            Code::RuleUnknownField,
            at,
            format!(
                "the items of `{}` are not objects with a member `{item_field}`",
                a.field.name
            ),
            "name a member of the array's object items",
        ));
    };
    let member_at = a.at.key("items").key("fields").index(i);
    let shape = shape_of(cx, member, &member_at)?;
    let ident = cx.ident(&member.rust_ident(), &member_at.key("name"))?;
    let value = numeric(cx, &shape, quote!(v), at)?;
    Ok(if member.required {
        quote!(items.iter().map(|item| { let v = &item.#ident; #value }).sum::<f64>())
    } else {
        quote!(items.iter().filter_map(|item| item.#ident.as_ref()).map(|v| #value).sum::<f64>())
    })
}

/// `Option<f64>`: the limit field's value, or its default when absent.
fn limit(cx: &Cx<'_>, l: &FieldGen<'_>, at: &Pointer) -> Result<TokenStream, Vec<Diagnostic>> {
    let ident = &l.ident;
    let value = numeric(cx, &l.shape, quote!(v), at)?;
    if l.field.required {
        return Ok(quote!(::core::option::Option::Some({ let v = &self.#ident; #value })));
    }
    let default = l
        .field
        .default
        .as_ref()
        .and_then(|d| kling_descriptor::model::wire_text(d).parse::<f64>().ok());
    match (&l.field.default, default) {
        (None, _) => Ok(quote!(self.#ident.as_ref().map(|v| #value))),
        (Some(_), Some(default)) => {
            let default = float(cx, default, &l.at.key("default"))?;
            Ok(
                quote!(::core::option::Option::Some(self.#ident.as_ref().map_or(#default, |v| #value))),
            )
        }
        (Some(default), None) => Err(cx.error(
            Code::BadDefault,
            &l.at.key("default"),
            format!("default {default} of `{}` is not a number", l.field.name),
            "correct the default",
        )),
    }
}
