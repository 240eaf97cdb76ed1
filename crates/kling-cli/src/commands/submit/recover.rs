//! A submit whose outcome is unknown, settled when a listing can settle it: `kling submit` looks
//! for the job with `Client::reconcile` for a few seconds before giving up with exit 6.
//!
//! The look is bounded: listings [`EVERY`] second until one is decisive or [`LOOK_FOR`] has
//! passed since the failure was seen. Jobs in the local journal are claimed (they are other
//! submits from this machine), so a job nobody accounts for is this submit's. Nothing is ever
//! sent again from here: even a proof that no job was created only says that submitting again
//! is safe.

use std::time::{Duration, SystemTime};

use kling::MicroCents;
use kling::client::{Client, Error, JobSummary, ReconcileOptions, Reconciled, UnknownSubmit};
use tokio::time::Instant;

use crate::fail::Fail;
use crate::journal;
use crate::output::timestamp;

/// How long to keep looking after the failure was seen: enough for a job created by the lost
/// request to show up in a listing, short enough for a command line.
const LOOK_FOR: Duration = Duration::from_secs(5);

/// The pause between two listings.
const EVERY: Duration = Duration::from_secs(1);

/// The job of an unknown submit, found in the model's listing.
pub struct Adopted {
    /// The job, as listed.
    pub job: JobSummary,
    /// The model slug the submit was for.
    pub model: String,
    /// What it presumably cost: the list price (a listing shows no charges).
    pub cost: MicroCents,
    /// The list price.
    pub list_price: MicroCents,
    /// When the request left.
    pub sent_at: SystemTime,
}

/// Looks for the job of the unknown submit `error`: its job when a listing finds it, else the
/// exit-6 failure that says what is known.
pub async fn recover(client: &Client, error: &Error, json_out: bool) -> Result<Adopted, Fail> {
    let Some(submit) = UnknownSubmit::from_error(error) else {
        return Err(Fail::other("internal", error.to_string()));
    };
    if !json_out {
        eprintln!(
            "The submit's answer was lost; looking for its job in the listing of {}…",
            submit.model
        );
    }
    let claimed = journal::job_ids();
    let deadline = Instant::now() + LOOK_FOR;
    let found = loop {
        let listed = client.reconcile(
            &submit,
            |id| claimed.contains(id),
            ReconcileOptions::default(),
        );
        match tokio::time::timeout_at(deadline, listed).await {
            Ok(Ok(Reconciled::NoneYet { .. })) if Instant::now() + EVERY < deadline => {
                tokio::time::sleep(EVERY).await;
            }
            Ok(Ok(answer)) => break Ok(answer),
            Ok(Err(e)) => break Err(format!("listing the model's jobs failed: {e}.")),
            Err(_) => break Err("listing the model's jobs took too long.".to_string()),
        }
    };
    let list_price = submit.list_price.unwrap_or_default();
    match found {
        Ok(Reconciled::Adopted {
            job,
            assumed_charge,
        }) => Ok(Adopted {
            job,
            model: submit.model.clone(),
            cost: assumed_charge.unwrap_or(list_price),
            list_price,
            sent_at: submit.sent_at,
        }),
        Ok(answer) => Err(unsettled(error, client.base_url(), &answer)),
        Err(why) => Err(maybe_submitted(error, client.base_url(), &why)),
    }
}

/// A listing that did not find the job: how it stands, as an exit-6 failure.
fn unsettled(error: &Error, base_url: &str, answer: &Reconciled) -> Fail {
    match answer {
        Reconciled::NotCreated => Fail::maybe_submitted(format!(
            "{error}\nNo job was created: the listing of the model's jobs shows none since the request \
             left, and the time in which one could appear has passed. It is safe to submit again."
        ))
        .with_code("submit_not_created"),
        Reconciled::Ambiguous { candidates } => {
            let ids: Vec<String> = candidates.iter().map(candidate).collect();
            let fail = maybe_submitted(
                error,
                base_url,
                &format!(
                    "{} jobs of the model that this machine did not submit were created since the \
                     request left; one of them is probably this one:\n  {}",
                    ids.len(),
                    ids.join("\n  ")
                ),
            );
            fail.with_code("submit_outcome_ambiguous")
        }
        _ => maybe_submitted(
            error,
            base_url,
            &format!(
                "no job of the model appeared in the listing within {} s.",
                LOOK_FOR.as_secs()
            ),
        ),
    }
}

fn candidate(job: &JobSummary) -> String {
    match job.created_at {
        Some(at) => format!("{} ({}, created {})", job.id, job.status, timestamp(at)),
        None => format!("{} ({})", job.id, job.status),
    }
}

/// An unknown submit outcome that stays unknown: journalled as `maybe`, with what the listing
/// showed (`listing`, whole sentences) and how to find out whether the job exists.
fn maybe_submitted(e: &Error, base_url: &str, listing: &str) -> Fail {
    let Error::SubmitOutcomeUnknown {
        model,
        estimated_cost,
        sent_at,
        reason,
        ..
    } = e
    else {
        return Fail::other("internal", e.to_string());
    };
    let since = timestamp(*sent_at);
    let journal = match journal::record_maybe(model, *estimated_cost, *sent_at, base_url, reason) {
        Ok(path) => format!("recorded as `maybe` in {}", path.display()),
        Err(e) => format!("not recorded in the journal: {e}"),
    };
    Fail::maybe_submitted(format!(
        "{e}\nLooked for the job: {listing}\nThe job may exist. Check with `kling jobs --model {model}` \
         before submitting again: a job created at or after {since} is this one ({journal})."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lost() -> Error {
        Error::SubmitOutcomeUnknown {
            model: "kling-plus/kling-o3-standard/text-to-video".into(),
            estimated_cost: MicroCents::new(420_000),
            status: Some(502),
            reason: "HTTP 502".into(),
            sent_at: SystemTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_listing_that_proves_no_job_says_submitting_again_is_safe() {
        let fail = unsettled(&lost(), "http://127.0.0.1:1/v1", &Reconciled::NotCreated);
        assert_eq!((fail.exit_code(), fail.code()), (6, "submit_not_created"));
        assert!(
            fail.message().contains("No job was created"),
            "{}",
            fail.message()
        );
        assert!(
            fail.message().contains("safe to submit again"),
            "{}",
            fail.message()
        );
        assert!(!fail.message().contains("may exist"), "{}", fail.message());
    }
}
