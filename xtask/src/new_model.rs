//! `cargo xtask new-model`: a valid descriptor from flags, ready for the facts of a new page.

use std::collections::BTreeMap;

use kling_descriptor::model::{
    Descriptor, DocumentedCost, Factor, Field, Format, Items, MultiplierTable, Pricing, ValueType,
    WireType,
};
use kling_descriptor::{MicroCents, Multiplier};

use crate::typing::{title_case, value_type_of, wire_value};

/// The flags of `cargo xtask new-model`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The facts of the model.
    #[command(flatten)]
    pub scaffold: Scaffold,
    /// The schemas directory (default: the workspace's `schemas/`).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
    /// Overwrite an existing descriptor.
    #[arg(long)]
    pub force: bool,
}

/// Writes the scaffolded descriptor and checks it.
pub fn run(args: &Args) -> Result<(), String> {
    let descriptor = scaffold(&args.scaffold).map_err(|e| format!("error: {e}"))?;
    let dir = crate::paths::schemas_dir(args.dir.as_deref());
    let path = crate::descriptor_file::write(&dir, &descriptor, args.force)?;
    println!(
        "wrote {}; it checks. Next: facts and descriptions, `cargo xtask check`, the snapshot (see CONTRIBUTING.md).",
        path.display()
    );
    Ok(())
}

/// What the flags say.
#[derive(Debug, Default, clap::Args)]
pub struct Scaffold {
    /// The slug, provider/model/capability.
    pub slug: String,
    /// The base price in micro-cents.
    #[arg(long = "base-cost")]
    pub base_cost: u64,
    /// Typical processing time in seconds.
    #[arg(long = "processing-time", default_value_t = 240)]
    pub processing_time: u32,
    /// Provider as published (default: from the slug).
    #[arg(long)]
    pub provider: Option<String>,
    /// Model as published (default: from the slug).
    #[arg(long)]
    pub model: Option<String>,
    /// Capability as published (default: from the slug).
    #[arg(long)]
    pub capability: Option<String>,
    /// The model page.
    #[arg(long = "docs-url")]
    pub docs_url: Option<String>,
    /// A field, NAME:TYPE with TYPE one of string, url, boolean, integer, number, array (of URLs).
    /// Default: a required `prompt` string.
    #[arg(long = "field", value_name = "NAME:TYPE")]
    pub fields: Vec<String>,
    /// Marks a field required.
    #[arg(long = "required", value_name = "NAME")]
    pub required: Vec<String>,
    /// A field's options, NAME=a,b,c.
    #[arg(long = "options", value_name = "NAME=A,B")]
    pub options: Vec<String>,
    /// A field's server default, NAME=VALUE.
    #[arg(long = "default", value_name = "NAME=VALUE")]
    pub defaults: Vec<String>,
    /// A pricing factor, FIELD=OPTION:MULTIPLIER,OPTION:MULTIPLIER (flat when none is given).
    #[arg(long = "factor", value_name = "FIELD=O:M,…")]
    pub factors: Vec<String>,
    /// The page's documented default cost (default: computed from the defaults).
    #[arg(long = "documented-cost")]
    pub documented_cost: Option<u64>,
}

fn titled(segment: &str) -> String {
    title_case(segment, '-')
}

fn pairs<'a>(list: &'a [String], flag: &str) -> Result<Vec<(&'a str, &'a str)>, String> {
    list.iter()
        .map(|item| {
            item.split_once('=')
                .ok_or_else(|| format!("--{flag} `{item}` is not NAME=VALUE"))
        })
        .collect()
}

/// The descriptor the flags describe (not yet checked).
pub fn scaffold(args: &Scaffold) -> Result<Descriptor, String> {
    let parts: Vec<&str> = args.slug.split('/').collect();
    if parts.len() != 3 {
        return Err(format!("`{}` is not provider/model/capability", args.slug));
    }
    let fields = fields(args)?;
    let factors = factors(args)?;
    let flat = factors.is_empty();
    let formula = if flat {
        "finalCost = baseCost (flat per-video)".to_string()
    } else {
        format!(
            "finalCost = baseCost × {}",
            factors
                .iter()
                .map(|f| f.field.as_str())
                .collect::<Vec<_>>()
                .join(" × ")
        )
    };
    let model = args.model.clone().unwrap_or_else(|| titled(parts[1]));
    let capability = args.capability.clone().unwrap_or_else(|| titled(parts[2]));
    let mut descriptor = Descriptor {
        schema: "../../descriptor.schema.json".into(),
        slug: args.slug.clone(),
        provider: args.provider.clone().unwrap_or_else(|| titled(parts[0])),
        summary: format!("{capability} with {model}."),
        model,
        capability,
        processing_time_seconds: args.processing_time,
        docs_url: args.docs_url.clone().unwrap_or_else(|| {
            format!("https://developer.pixelbyte.app/docs/models/{}", args.slug)
        }),
        fields,
        rules: Vec::new(),
        pricing: Pricing {
            base_micro_cents: MicroCents::new(args.base_cost),
            base_unit_stated: None,
            formula,
            flat,
            factors,
            parameters: Vec::new(),
            documented: DocumentedCost {
                micro_cents: MicroCents::new(args.base_cost),
                assumes: BTreeMap::new(),
            },
        },
        notes: Vec::new(),
    };
    descriptor.pricing.documented.micro_cents = match args.documented_cost {
        Some(c) => MicroCents::new(c),
        None => descriptor
            .price_with(|_| None)
            .map(|q| q.total)
            .unwrap_or(MicroCents::new(args.base_cost)),
    };
    Ok(descriptor)
}

/// The fields of `--field`, `--required`, `--options` and `--default` (a required `prompt` when
/// no field is given).
fn fields(args: &Scaffold) -> Result<Vec<Field>, String> {
    let specs = if args.fields.is_empty() {
        vec!["prompt:string".to_string()]
    } else {
        args.fields.clone()
    };
    let mut required = args.required.clone();
    if args.fields.is_empty() {
        required.push("prompt".into());
    }
    let options: BTreeMap<&str, &str> = pairs(&args.options, "options")?.into_iter().collect();
    let defaults: BTreeMap<&str, &str> = pairs(&args.defaults, "default")?.into_iter().collect();
    let mut fields = Vec::new();
    for spec in &specs {
        let (name, ty) = spec
            .split_once(':')
            .ok_or_else(|| format!("--field `{spec}` is not NAME:TYPE"))?;
        let (wire, format, items) = match ty {
            "string" | "text" => (WireType::String, None, None),
            "url" => (WireType::String, Some(Format::Url), None),
            "boolean" | "bool" => (WireType::Boolean, None, None),
            "integer" | "int" => (WireType::Integer, None, None),
            "number" => (WireType::Number, None, None),
            "array" | "urls" => (
                WireType::Array,
                None,
                Some(Box::new(Items {
                    wire_type: WireType::String,
                    format: Some(Format::Url),
                    max_length: None,
                    fields: Vec::new(),
                })),
            ),
            other => {
                return Err(format!(
                    "--field `{spec}`: unknown type `{other}` (string, url, boolean, integer, number, array)"
                ));
            }
        };
        let opts: Option<Vec<String>> = options
            .get(name)
            .map(|o| o.split(',').map(|x| x.trim().to_string()).collect());
        let value_type = opts.as_deref().and_then(|o| value_type_of(o, wire));
        let default = defaults.get(name).map(|d| wire_value(wire, d));
        fields.push(Field {
            name: name.to_string(),
            description: format!("The `{name}` input."),
            rust_name: None,
            wire_type: wire,
            value_type,
            format,
            required: required.iter().any(|r| r == name),
            default,
            options: opts,
            unit: (name == "duration" && value_type == Some(ValueType::Integer))
                .then(|| "seconds".to_string()),
            max_length: None,
            minimum: None,
            maximum: None,
            min_items: None,
            max_items: None,
            items,
            fields: Vec::new(),
        });
    }
    Ok(fields)
}

/// The factors of `--factor FIELD=OPTION:MULTIPLIER,…`.
fn factors(args: &Scaffold) -> Result<Vec<Factor>, String> {
    let mut factors = Vec::new();
    for (field, table) in pairs(&args.factors, "factor")? {
        let mut multipliers = Vec::new();
        for entry in table.split(',') {
            let (option, mult) = entry
                .split_once(':')
                .ok_or_else(|| format!("--factor {field}: `{entry}` is not OPTION:MULTIPLIER"))?;
            let m: Multiplier = mult.parse().map_err(|e| format!("--factor {field}: {e}"))?;
            multipliers.push((option.to_string(), m));
        }
        factors.push(Factor {
            field: field.to_string(),
            label: titled(&field.replace('_', "-")),
            multipliers: MultiplierTable(multipliers),
        });
    }
    Ok(factors)
}
