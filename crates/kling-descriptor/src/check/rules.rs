//! Rules across fields: each must name fields of the right shape.

use super::{Checker, list};
use crate::diagnostics::{Code, Pointer};
use crate::model::{Descriptor, Field, Rule};
use crate::shape::Shape;

impl Checker<'_> {
    pub(super) fn rules(&mut self, d: &Descriptor, at: &Pointer) {
        for (i, rule) in d.rules.iter().enumerate() {
            let p = at.index(i);
            match rule {
                Rule::MaxItemsWhenPresent {
                    array,
                    when_present,
                    max_items,
                } => {
                    if let Some(f) = self.rule_field(d, array, &p.key("array")) {
                        match f.shape() {
                            Ok(Shape::Array {
                                max_items: Some(limit),
                                ..
                            }) if *max_items > limit => self.report(
                                Code::RuleLooseLimit,
                                &p.key("max_items"),
                                format!("the rule allows {max_items} items but `{array}` never takes more than {limit}"),
                                "the rule must tighten the field's own limit",
                            ),
                            Ok(Shape::Array { .. }) | Err(_) => {}
                            Ok(_) => self.report(
                                Code::RuleWrongField,
                                &p.key("array"),
                                format!("`{array}` is not an array field"),
                                "name an array field",
                            ),
                        }
                    }
                    self.rule_field(d, when_present, &p.key("when_present"));
                }
                Rule::ItemSumAtMost {
                    array,
                    item_field,
                    limit_field,
                } => {
                    if let Some(f) = self.rule_field(d, array, &p.key("array")) {
                        self.summed_member(f, item_field, &p);
                    }
                    if let Some(f) = self.rule_field(d, limit_field, &p.key("limit_field")) {
                        match f.shape() {
                            Ok(shape) if shape.is_numeric() => {}
                            Err(_) => {}
                            Ok(_) => self.report(
                                Code::RuleWrongField,
                                &p.key("limit_field"),
                                format!("`{limit_field}` is not numeric"),
                                "bound the sum by a numeric field",
                            ),
                        }
                    }
                }
            }
        }
    }

    /// The field a rule names, reporting it when there is none.
    fn rule_field<'d>(&mut self, d: &'d Descriptor, name: &str, at: &Pointer) -> Option<&'d Field> {
        let field = d.field(name);
        if field.is_none() {
            self.report(
                Code::RuleUnknownField,
                at,
                format!("rule on missing field `{name}`"),
                format!("name one of: {}", list(d.fields.iter().map(|f| &f.name))),
            );
        }
        field
    }

    /// `item_sum_at_most` sums a numeric member of an array of objects.
    fn summed_member(&mut self, f: &Field, item_field: &str, p: &Pointer) {
        let array = &f.name;
        let members = match f.shape() {
            Ok(Shape::Array { item, .. }) => match *item {
                Shape::Object(members) => members,
                _ => &[],
            },
            // Reported with the field.
            Err(_) => return,
            Ok(_) => &[],
        };
        if members.is_empty() {
            self.report(
                Code::RuleWrongField,
                &p.key("array"),
                format!("`{array}` is not an array of objects"),
                "name an array whose items are objects",
            );
            return;
        }
        match members.iter().find(|m| m.name == item_field) {
            Some(m) if m.shape().is_ok_and(|s| s.is_numeric()) => {}
            Some(m) if m.shape().is_err() => {}
            Some(_) => self.report(
                Code::RuleWrongField,
                &p.key("item_field"),
                format!("`{item_field}` is not numeric"),
                "sum a number or an integer sent as a string",
            ),
            None => self.report(
                Code::RuleUnknownField,
                &p.key("item_field"),
                format!("the items of `{array}` have no member `{item_field}`"),
                format!("name one of: {}", list(members.iter().map(|m| &m.name))),
            ),
        }
    }
}
