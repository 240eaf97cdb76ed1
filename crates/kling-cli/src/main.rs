//! `kling`: price, submit and wait for Kling videos on PixelByte, or try everything against a
//! local sandbox (`--sandbox`).
//!
//! Exit codes: 0 ok; 1 other error; 2 invalid input or usage (nothing sent); 3 API error; 4 timed
//! out (job id printed); 5 the job failed.

use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use kling::client::{Client, JobFilter, Outcome, SubmitOptions, WaitOptions};
use kling::{AnyInput, ModelId};
use kling_descriptor::Descriptor;
use serde_json::{Value, json};

mod cli;
use kling_cli::{fields, nearest};
mod journal;

use cli::{Cli, Command, InputArgs, JobsArgs, SubmitArgs, WebhookCommand};

/// A failure with the exit code scripts rely on.
#[derive(Debug)]
enum Fail {
    /// 1: anything else.
    Other(String),
    /// 2: invalid input or usage; nothing was sent.
    Usage(String),
    /// 3: the API refused.
    Api(String),
    /// 4: the wait timed out.
    TimedOut(String),
    /// 5: the job failed.
    JobFailed(String),
}

impl Fail {
    fn code(&self) -> u8 {
        match self {
            Fail::Other(_) => 1,
            Fail::Usage(_) => 2,
            Fail::Api(_) => 3,
            Fail::TimedOut(_) => 4,
            Fail::JobFailed(_) => 5,
        }
    }

    fn message(&self) -> &str {
        match self {
            Fail::Other(m)
            | Fail::Usage(m)
            | Fail::Api(m)
            | Fail::TimedOut(m)
            | Fail::JobFailed(m) => m,
        }
    }
}

impl From<kling::client::Error> for Fail {
    fn from(e: kling::client::Error) -> Self {
        use kling::client::Error as E;
        match &e {
            E::InvalidInput(_) | E::OverBudget { .. } | E::Config(_) => Fail::Usage(e.to_string()),
            E::Api(api) => {
                let next = match api.status {
                    401 => "; check --api-key or PIXELBYTE_API_KEY",
                    402 => "; top up the account balance",
                    403 => "; the key lacks a scope or access to this model",
                    429 => "; too many jobs running, try again later",
                    _ => "",
                };
                Fail::Api(format!("{e}{next}"))
            }
            _ => Fail::Other(e.to_string()),
        }
    }
}

/// The first `limit` jobs, page by page.
async fn collect_jobs(
    client: &Client,
    filter: JobFilter,
    limit: usize,
) -> Result<Vec<kling::client::JobSummary>, kling::client::Error> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    while out.len() < limit {
        let (page, next) = client.jobs_page(&filter, cursor.as_deref()).await?;
        out.extend(page);
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    out.truncate(limit);
    Ok(out)
}

fn catalog() -> Result<std::collections::BTreeMap<String, Descriptor>, Fail> {
    kling_sandbox::embedded_catalog().map_err(|e| Fail::Other(e.to_string()))
}

fn descriptor(slug: &str) -> Result<Descriptor, Fail> {
    let mut all = catalog()?;
    if let Some(d) = all.remove(slug) {
        return Ok(d);
    }
    let hint = match nearest::nearest(slug, all.keys().map(String::as_str)) {
        Some(n) => format!("did you mean `{n}`?"),
        None => "`kling models` lists them".to_string(),
    };
    Err(Fail::Usage(format!("unknown model `{slug}`; {hint}")))
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

fn read_input_file(spec: &str) -> Result<Value, Fail> {
    let text = if spec == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Fail::Usage(format!("cannot read stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(spec)
            .map_err(|e| Fail::Usage(format!("cannot read {spec}: {e}")))?
    };
    serde_json::from_str(&text).map_err(|e| Fail::Usage(format!("{spec} is not JSON: {e}")))
}

/// Builds and checks an input: descriptor checks for the messages, then the generated types.
fn typed_input(args: &InputArgs) -> Result<(Descriptor, AnyInput), Fail> {
    let d = descriptor(&args.slug)?;
    let base = args.input.as_deref().map(read_input_file).transpose()?;
    let json = fields::build_input(&d, base, &args.fields).map_err(|problems| {
        Fail::Usage(format!(
            "invalid input for {}; nothing was sent:\n  {}",
            d.slug,
            problems.join("\n  ")
        ))
    })?;
    let id: ModelId = d
        .slug
        .parse()
        .map_err(|e: kling::UnknownModel| Fail::Usage(e.to_string()))?;
    let typed = id.validate_json(json).map_err(|e| {
        Fail::Usage(format!(
            "invalid input for {}; nothing was sent: {e}",
            d.slug
        ))
    })?;
    Ok((d, typed))
}

fn quote_json(slug: &str, quote: &kling::Quote) -> Value {
    json!({
        "slug": slug,
        "cost_micro_cents": quote.total.get(),
        "usd": quote.total.usd_decimal(),
        "base_micro_cents": quote.base.get(),
        "breakdown": quote.lines.iter().map(|l| json!({
            "label": l.label, "field": l.field, "option": l.option,
            "multiplier": l.multiplier.to_string(), "source": l.source,
        })).collect::<Vec<_>>(),
    })
}

struct Session {
    client: Client,
    _sandbox: Option<kling_sandbox::Sandbox>,
}

async fn session(cli: &Cli) -> Result<Session, Fail> {
    if cli.sandbox {
        let config = kling_sandbox::SandboxConfig {
            speed: 100.0,
            seed: kling_sandbox::random_seed(),
            ..Default::default()
        };
        let sandbox = kling_sandbox::Sandbox::start(config)
            .await
            .map_err(|e| Fail::Other(e.to_string()))?;
        eprintln!(
            "Using an embedded sandbox at {} (jobs run 100x faster; nothing is charged).",
            sandbox.base_url()
        );
        let client = Client::builder()
            .api_key(sandbox.api_key())
            .base_url(sandbox.base_url())
            .build()?;
        return Ok(Session {
            client,
            _sandbox: Some(sandbox),
        });
    }
    let Some(key) = cli.api_key.as_deref() else {
        return Err(Fail::Usage(
            "no API key: pass --api-key or set PIXELBYTE_API_KEY (or try --sandbox to run against a local sandbox)".into(),
        ));
    };
    let client = Client::builder()
        .api_key(key)
        .base_url(&cli.base_url)
        .build()?;
    Ok(Session {
        client,
        _sandbox: None,
    })
}

fn state_json(state: &kling::client::JobState) -> Value {
    json!({
        "job_id": state.id,
        "status": state.status.as_str(),
        "progress": state.progress,
        "model": state.model,
        "outputs": outputs_json(&state.outputs),
        "error": state.error.as_ref().map(|e| json!({"code": e.code.as_str(), "message": e.message})),
        "created_at": state.created_at.map(|t| humantime::format_rfc3339_seconds(t).to_string()),
        "completed_at": state.completed_at.map(|t| humantime::format_rfc3339_seconds(t).to_string()),
    })
}

fn outputs_json(outputs: &[kling::api::Output]) -> Value {
    Value::Array(
        outputs
            .iter()
            .map(|o| json!({"url": o.url, "type": o.kind.as_str(), "thumbnail": o.thumbnail, "poster_image": o.poster_image}))
            .collect(),
    )
}

/// Waits with a progress bar (when stdout is a terminal and not --json) and maps the outcome.
async fn wait_for(
    client: &Client,
    job: Option<&kling::client::Job>,
    id: &str,
    timeout: Duration,
    json_out: bool,
) -> Result<(Outcome, Value), Fail> {
    let show = !json_out && std::io::stdout().is_terminal();
    let bar = if show {
        indicatif::ProgressBar::new_spinner()
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar.set_message(format!("{id}: waiting"));
    let options = WaitOptions {
        timeout,
        ..WaitOptions::default()
    };
    let on_progress = |p: &kling::client::WaitProgress| {
        let eta = p
            .remaining
            .map(|r| format!(", about {} s left", r.as_secs()))
            .unwrap_or_default();
        bar.set_message(format!("{id}: {}{eta}", p.status));
    };
    let outcome = match job {
        Some(job) => client.wait_with_progress(job, options, on_progress).await,
        None => client.wait_id(id, options, on_progress).await,
    };
    bar.finish_and_clear();
    let outcome = outcome?;
    let summary = match &outcome {
        Outcome::Completed(state) | Outcome::Cancelled(state) => state_json(state),
        Outcome::Failed { job, .. } => state_json(job),
        Outcome::TimedOut { last, .. } => state_json(last),
        _ => json!({"job_id": id}),
    };
    Ok((outcome, summary))
}

fn outcome_result(outcome: &Outcome, json_out: bool, summary: Value) -> Result<(), Fail> {
    match outcome {
        Outcome::Completed(state) => {
            if json_out {
                print_json(&summary);
            } else {
                println!("{} completed", state.id);
                for o in &state.outputs {
                    println!("{}", o.url);
                }
            }
            Ok(())
        }
        Outcome::Failed { job, error } => {
            if json_out {
                print_json(&summary);
            }
            Err(Fail::JobFailed(format!(
                "job {} failed: {} {} (the cost was refunded)",
                job.id, error.code, error.message
            )))
        }
        Outcome::Cancelled(state) => {
            if json_out {
                print_json(&summary);
            }
            Err(Fail::JobFailed(format!(
                "job {} was cancelled (refunded)",
                state.id
            )))
        }
        Outcome::TimedOut {
            job_id,
            last,
            cancelled,
        } => {
            if json_out {
                print_json(&summary);
            }
            let what = if *cancelled {
                "it was cancelled"
            } else {
                "it is still running"
            };
            Err(Fail::TimedOut(format!(
                "gave up waiting for {job_id} (last status {}); {what}. Check later with `kling wait {job_id}`",
                last.status
            )))
        }
        _ => Err(Fail::Other("the wait ended in an unexpected way".into())),
    }
}

fn models_table(json_out: bool) -> Result<(), Fail> {
    let all = catalog()?;
    if json_out {
        let list: Vec<Value> = all
            .values()
            .map(|d| json!({
                "slug": d.slug, "provider": d.provider, "model": d.model, "capability": d.capability,
                "base_cost_micro_cents": d.pricing.base_micro_cents.get(), "flat": d.pricing.flat,
                "processing_time_seconds": d.processing_time_seconds, "summary": d.summary,
            }))
            .collect();
        print_json(&Value::Array(list));
        return Ok(());
    }
    let width = all.keys().map(String::len).max().unwrap_or(10);
    println!("{:<width$}  {:>10}  PRICED BY", "MODEL", "BASE");
    for d in all.values() {
        let by = if d.pricing.flat {
            "flat per job".to_string()
        } else {
            d.pricing
                .factors
                .iter()
                .map(|f| f.field.as_str())
                .collect::<Vec<_>>()
                .join(" × ")
        };
        println!(
            "{:<width$}  {:>10}  {by}",
            d.slug,
            d.pricing.base_micro_cents.to_string()
        );
    }
    println!(
        "{} models; prices in US dollars (1 = 1,000,000 micro-cents)",
        all.len()
    );
    Ok(())
}

fn show(slug: &str, json_out: bool) -> Result<(), Fail> {
    let d = descriptor(slug)?;
    if json_out {
        print_json(&serde_json::to_value(&d).map_err(|e| Fail::Other(e.to_string()))?);
        return Ok(());
    }
    println!("{} — {} ({})", d.model, d.capability, d.slug);
    println!("{}", d.summary);
    println!(
        "Typically ready in about {} s. {}",
        d.processing_time_seconds, d.docs_url
    );
    println!();
    println!("FIELDS");
    for f in &d.fields {
        let mut facts = vec![f.wire_type.as_str().to_string()];
        if f.required {
            facts.push("required".into());
        }
        if let Some(default) = f.default_text() {
            facts.push(format!("default {default}"));
        }
        if let Some(options) = &f.options {
            facts.push(format!("one of {}", options.join(", ")));
        }
        if let Some(max) = f.max_length {
            facts.push(format!("≤ {max} chars"));
        }
        if let (Some(lo), Some(hi)) = (f.minimum, f.maximum) {
            facts.push(format!("{lo}..{hi}"));
        }
        if let Some(max) = f.max_items {
            facts.push(format!("≤ {max} items"));
        }
        println!("  {:<22} {}", f.name, facts.join("; "));
        println!("  {:<22} {}", "", f.description);
    }
    println!();
    println!("PRICE  {}", d.pricing.formula);
    println!(
        "  base {} micro-cents ({})",
        d.pricing.base_micro_cents.get(),
        d.pricing.base_micro_cents
    );
    for factor in &d.pricing.factors {
        let table: Vec<String> = factor
            .multipliers
            .0
            .iter()
            .map(|(o, m)| format!("{o}→×{m}"))
            .collect();
        println!("  {:<12} {}", factor.label, table.join("  "));
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<(), Fail> {
    match &cli.command {
        Command::Models(flag) => models_table(flag.json),
        Command::Show { slug, json } => show(slug, json.json),
        Command::Schema { slug } => {
            let d = descriptor(slug)?;
            let id: ModelId = d
                .slug
                .parse()
                .map_err(|e: kling::UnknownModel| Fail::Usage(e.to_string()))?;
            print_json(&serde_json::to_value(id.input_schema()).unwrap_or_default());
            Ok(())
        }
        Command::Price(args) => {
            let (d, typed) = typed_input(args)?;
            let quote = typed.cost_breakdown();
            if args.json.json {
                print_json(&quote_json(&d.slug, &quote));
            } else {
                println!("{quote}");
            }
            Ok(())
        }
        Command::Submit(args) => submit(&cli, args).await,
        Command::Status { id, json } => {
            let s = session(&cli).await?;
            let state = s.client.job(id).await?;
            if json.json {
                print_json(&state_json(&state));
            } else {
                let progress = state
                    .progress
                    .map(|p| format!(" ({p}%)"))
                    .unwrap_or_default();
                println!("{} {}{progress}", state.id, state.status);
                for o in &state.outputs {
                    println!("{}", o.url);
                }
                if let Some(e) = &state.error {
                    println!("error: {} {}", e.code, e.message);
                }
            }
            Ok(())
        }
        Command::Wait { id, timeout, json } => {
            let s = session(&cli).await?;
            let (outcome, summary) = wait_for(&s.client, None, id, *timeout, json.json).await?;
            outcome_result(&outcome, json.json, summary)
        }
        Command::Cancel { id, json } => {
            let s = session(&cli).await?;
            let c = s.client.cancel(id).await?;
            if json.json {
                print_json(
                    &json!({"job_id": c.id, "status": "cancelled", "refunded_micro_cents": c.refunded.get()}),
                );
            } else {
                println!("{} cancelled; refunded {}", c.id, c.refunded);
            }
            Ok(())
        }
        Command::Jobs(args) => jobs(&cli, args).await,
        Command::Upload { file, json } => {
            let s = session(&cli).await?;
            let uploaded = s.client.upload_path(file).await?;
            if json.json {
                print_json(&json!({"url": uploaded.url, "file_id": uploaded.id}));
            } else {
                println!("{}", uploaded.url);
            }
            Ok(())
        }
        Command::Webhook(WebhookCommand::Verify {
            secret,
            timestamp,
            signature,
            body_file,
        }) => {
            let body = std::fs::read(body_file)
                .map_err(|e| Fail::Usage(format!("cannot read {}: {e}", body_file.display())))?;
            match kling::webhook::Verifier::new(secret.clone()).verify(timestamp, signature, &body)
            {
                Ok(()) => {
                    println!("valid");
                    Ok(())
                }
                Err(e) => Err(Fail::Other(format!("invalid: {e}"))),
            }
        }
        Command::Webhook(WebhookCommand::Listen { port, secret }) => {
            listen(*port, secret.clone()).await
        }
        Command::Sandbox(args) => args.run().await.map_err(|e| Fail::Other(e.to_string())),
        Command::Completions { shell } => {
            clap_complete::generate(*shell, &mut Cli::command(), "kling", &mut std::io::stdout());
            Ok(())
        }
    }
}

async fn submit(cli: &Cli, args: &SubmitArgs) -> Result<(), Fail> {
    let json_out = args.input.json.json;
    let (d, typed) = typed_input(&args.input)?;
    let quote = typed.cost_breakdown();
    if let Some(max) = args.max_cost
        && quote.total > max
    {
        return Err(Fail::Usage(format!(
            "the job costs {} ({quote}), above --max-cost {max}; nothing was sent",
            quote.total
        )));
    }
    let s = session(cli).await?;
    if !json_out {
        eprintln!("Price: {quote}");
    }
    let options = SubmitOptions {
        webhook_url: args.webhook.clone(),
        budget: args.max_cost,
    };
    let job = s.client.submit_any(&typed, options).await?;
    let journal = journal::record(&job, s.client.base_url());
    if let Err(e) = &journal {
        eprintln!("warning: {e}");
    }
    let mut out = json!({
        "job_id": job.id,
        "model": d.slug,
        "status": job.status.as_str(),
        "cost_micro_cents": job.cost.get(),
        "estimated_cost_micro_cents": job.estimated_cost.get(),
        "request_id": job.request_id,
        "estimated_completion": job.estimated_completion.map(|t| humantime::format_rfc3339_seconds(t).to_string()),
    });
    if !json_out {
        eprintln!("Submitted {} (charged {}).", job.id, job.cost);
        if let kling::client::Charge::AboveEstimate { by } = job.charge() {
            eprintln!("warning: charged {by} more than the list price");
        }
    }
    if !args.wait {
        if json_out {
            print_json(&out);
        } else {
            println!("{}", job.id);
        }
        return Ok(());
    }
    let (outcome, summary) =
        wait_for(&s.client, Some(&job), &job.id, args.timeout, json_out).await?;
    out["status"] = summary["status"].clone();
    out["outputs"] = summary["outputs"].clone();
    out["error"] = summary["error"].clone();
    out["completed_at"] = summary["completed_at"].clone();
    outcome_result(&outcome, json_out, out)
}

async fn jobs(cli: &Cli, args: &JobsArgs) -> Result<(), Fail> {
    if args.local {
        let jobs: Vec<Value> = journal::read().into_iter().take(args.limit).collect();
        if args.json.json {
            print_json(&Value::Array(jobs));
        } else {
            for j in &jobs {
                println!(
                    "{}  {}  {}  {}",
                    j["job_id"].as_str().unwrap_or("?"),
                    j["submitted_at"].as_str().unwrap_or("?"),
                    j["model"].as_str().unwrap_or("?"),
                    kling::MicroCents::new(j["cost_micro_cents"].as_u64().unwrap_or(0))
                );
            }
            if jobs.is_empty() {
                println!(
                    "no jobs recorded in {}",
                    journal::path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                );
            }
        }
        return Ok(());
    }
    let status = args.status.as_deref().map(kling::api::JobStatus::from);
    if let Some(kling::api::JobStatus::Unknown(s)) = &status {
        return Err(Fail::Usage(format!(
            "`{s}` is not a status; use pending, processing, completed, failed or cancelled"
        )));
    }
    let s = session(cli).await?;
    let filter = JobFilter {
        status,
        model: args.model.clone(),
        page_size: Some(args.limit.clamp(1, 100) as u32),
    };
    let list = collect_jobs(&s.client, filter, args.limit).await?;
    if args.json.json {
        let list: Vec<Value> = list
            .iter()
            .map(|j| json!({
                "job_id": j.id, "status": j.status.as_str(), "progress": j.progress, "model": j.model,
                "created_at": j.created_at.map(|t| humantime::format_rfc3339_seconds(t).to_string()),
            }))
            .collect();
        print_json(&Value::Array(list));
    } else {
        for j in &list {
            let created = j
                .created_at
                .map(|t| humantime::format_rfc3339_seconds(t).to_string())
                .unwrap_or_default();
            println!(
                "{}  {:<10}  {}  {}",
                j.id,
                j.status,
                created,
                j.model.as_deref().unwrap_or("")
            );
        }
        if list.is_empty() {
            println!("no jobs");
        }
    }
    Ok(())
}

async fn listen(port: u16, secret: String) -> Result<(), Fail> {
    use axum::http::{HeaderMap, StatusCode};
    let verifier = std::sync::Arc::new(kling::webhook::Verifier::new(secret));
    let app = axum::Router::new().fallback(axum::routing::post(
        move |headers: HeaderMap, body: axum::body::Bytes| {
            let verifier = verifier.clone();
            async move {
                let h = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string()
                };
                match verifier.verify_and_parse(
                    &h(kling::webhook::TIMESTAMP_HEADER),
                    &h(kling::webhook::SIGNATURE_HEADER),
                    &body,
                ) {
                    Ok(event) => {
                        let detail = match (event.outputs.first(), &event.error) {
                            (Some(o), _) => o.url.clone(),
                            (None, Some(e)) => format!("{} {}", e.code, e.message),
                            _ => String::new(),
                        };
                        println!("{} {} {detail}", event.job_id, event.status);
                        StatusCode::OK
                    }
                    Err(e) => {
                        eprintln!("refused a delivery: {e}");
                        StatusCode::UNAUTHORIZED
                    }
                }
            }
        },
    ));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Fail::Other(format!("cannot listen on port {port}: {e}")))?;
    eprintln!("Listening for webhooks on http://127.0.0.1:{port}/ (Ctrl-C to stop)");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Fail::Other(e.to_string()))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(fail) => {
            eprintln!("error: {}", fail.message());
            ExitCode::from(fail.code())
        }
    }
}
