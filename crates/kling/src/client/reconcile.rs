//! Settling a submit whose outcome is unknown, by listing the model's recent jobs. The API has
//! no idempotency key, so after an [`Error::SubmitOutcomeUnknown`] the only way to learn whether a
//! job was created is to look; this never submits anything. The rules are in
//! [`Client::reconcile`]'s docs.

use std::time::{Duration, SystemTime};

use super::{Client, Error, JobFilter, JobSummary};
use crate::MicroCents;

/// A submit whose outcome is unknown: what [`Client::reconcile`] needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownSubmit {
    /// The model slug the submit was for.
    pub model: String,
    /// A time, on the client's clock, at or before the moment the request was sent. Record it
    /// before sending: an earlier time only widens the search.
    pub sent_at: SystemTime,
    /// How long after `sent_at` the request may have left: zero when `sent_at` was taken right
    /// before sending (as [`UnknownSubmit::new`] and [`UnknownSubmit::from_error`] assume); set
    /// it when only an earlier time is known. The window is counted from `sent_at + sent_within`.
    pub sent_within: Duration,
    /// The list price of the input, when known (the listing shows no charges, so this is the
    /// best figure for what an adopted job cost).
    pub list_price: Option<MicroCents>,
}

impl UnknownSubmit {
    /// A submit of `model` sent at or after `sent_at`.
    pub fn new(model: impl Into<String>, sent_at: SystemTime) -> Self {
        Self {
            model: model.into(),
            sent_at,
            sent_within: Duration::ZERO,
            list_price: None,
        }
    }

    /// With the list price of the input.
    #[must_use]
    pub fn list_price(mut self, price: MicroCents) -> Self {
        self.list_price = Some(price);
        self
    }

    /// The submit described by an [`Error::SubmitOutcomeUnknown`]: its model, its list price,
    /// and its `sent_at`, which the client stamps just before the request leaves (not when the
    /// failure is seen), so the window starts there with no allowance (`sent_within` is zero).
    pub fn from_error(error: &Error) -> Option<Self> {
        let Error::SubmitOutcomeUnknown {
            model,
            estimated_cost,
            sent_at,
            ..
        } = error
        else {
            return None;
        };
        Some(Self::new(model.clone(), *sent_at).list_price(*estimated_cost))
    }
}

/// How [`Client::reconcile`] searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconcileOptions {
    /// How far the server's clock may be from the client's. Default 60 s.
    pub clock_skew: Duration,
    /// How long after sending a job created by the request may still appear in the listing: at
    /// least the request timeout, plus whatever a proxy may hold a request for. Default 180 s.
    pub window: Duration,
    /// Jobs per listing page (1 to 100). Default 100.
    pub page_size: u32,
}

impl Default for ReconcileOptions {
    fn default() -> Self {
        Self {
            clock_skew: Duration::from_secs(60),
            window: Duration::from_secs(180),
            page_size: 100,
        }
    }
}

impl ReconcileOptions {
    /// With this allowance for clock skew.
    #[must_use]
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// With this window.
    #[must_use]
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// With this page size (clamped to 1..=100).
    #[must_use]
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = size.clamp(1, 100);
        self
    }
}

/// What the listing proves about an unknown submit.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Reconciled {
    /// Exactly one job nobody accounts for: it is the submit's job.
    Adopted {
        /// The job, as listed.
        job: JobSummary,
        /// What it presumably cost: the [`UnknownSubmit::list_price`], when given.
        assumed_charge: Option<MicroCents>,
    },
    /// Several jobs nobody accounts for: one of them is probably the submit's, and no listing
    /// can tell which. Never resubmit on a guess; a person decides.
    Ambiguous {
        /// The candidates, newest first.
        candidates: Vec<JobSummary>,
    },
    /// No such job yet, but one may still appear: ask again after `window_ends`.
    NoneYet {
        /// When the window passes (client clock).
        window_ends: SystemTime,
    },
    /// No such job, and the window has passed: no job was created, and submitting again is safe.
    NotCreated,
}

impl Client {
    /// Finds out whether an unknown submit created a job: lists `submit.model`'s jobs created
    /// around `submit.sent_at` (paging as needed) and keeps those for which `claimed` is false
    /// (the ids the caller already accounts for). Reading is never charged; a listing that fails
    /// returns its error and proves nothing.
    ///
    /// **The answer is exact only if no other submit of the same model was sent while this one
    /// was unresolved.** Then every unclaimed job of the model in the window is a candidate and
    /// exactly one candidate is the submit's job; several mean another program submitted the same
    /// model at the same time ([`Reconciled::Ambiguous`]). An answer given before the window has
    /// passed reflects the jobs listed so far; where another program may submit the same model,
    /// ask again after the window for the final word.
    ///
    /// **Time.** `sent_at` and "now" are the client's clock; a job's `createdAt` is the server's.
    /// A job is a candidate when its `createdAt` lies within `[sent_at − clock_skew, sent_at +
    /// sent_within + window + clock_skew]`, so a server clock up to `clock_skew` off in either direction loses
    /// nothing; a larger skew only widens the range (more chance of an ambiguous answer, never
    /// of a wrong one). Whether the window has passed is decided on the client's clock alone, with
    /// the time taken before the listing starts, so skew cannot make a job that is still to appear
    /// look absent. Jobs listed without a `createdAt` are kept as candidates. The listing is read
    /// newest first, as the API serves it, and paging stops at the first page that reaches a job
    /// created before the window's start.
    ///
    /// ```no_run
    /// # async fn demo(client: kling::Client, known: std::collections::HashSet<String>, err: kling::Error) -> Result<(), kling::Error> {
    /// use kling::client::{ReconcileOptions, Reconciled, UnknownSubmit};
    ///
    /// if let Some(submit) = UnknownSubmit::from_error(&err) {
    ///     match client.reconcile(&submit, |id| known.contains(id), ReconcileOptions::default()).await? {
    ///         Reconciled::Adopted { job, .. } => println!("the job is {}", job.id),
    ///         Reconciled::Ambiguous { candidates } => println!("one of {} jobs", candidates.len()),
    ///         Reconciled::NoneYet { window_ends } => println!("ask again after {window_ends:?}"),
    ///         Reconciled::NotCreated => println!("no job: safe to submit again"),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn reconcile(
        &self,
        submit: &UnknownSubmit,
        claimed: impl Fn(&str) -> bool,
        options: ReconcileOptions,
    ) -> Result<Reconciled, Error> {
        let window_ends = later(later(submit.sent_at, submit.sent_within), options.window);
        // Taken before listing: a job absent from a listing that began after the window is absent.
        let passed = SystemTime::now() >= window_ends;
        let earliest = submit
            .sent_at
            .checked_sub(options.clock_skew)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let latest = later(window_ends, options.clock_skew);
        let filter = JobFilter {
            model: Some(submit.model.clone()),
            page_size: Some(options.page_size.clamp(1, 100)),
            ..JobFilter::default()
        };
        let mut candidates = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let (page, next) = self.jobs_page(&filter, cursor.as_deref()).await?;
            let mut older = false;
            for job in page {
                if job.created_at.is_some_and(|t| t < earliest) {
                    older = true;
                    continue;
                }
                let too_late = job.created_at.is_some_and(|t| t > latest);
                let other_model = job.model.as_deref().is_some_and(|m| m != submit.model);
                if !too_late && !other_model && !claimed(&job.id) {
                    candidates.push(job);
                }
            }
            match next {
                Some(next) if !older => cursor = Some(next),
                _ => break,
            }
        }
        tracing::debug!(
            model = %submit.model,
            candidates = candidates.len(),
            window_passed = passed,
            "reconciled an unknown submit"
        );
        Ok(match candidates.len() {
            1 => Reconciled::Adopted {
                job: candidates.remove(0),
                assumed_charge: submit.list_price,
            },
            0 if passed => Reconciled::NotCreated,
            0 => Reconciled::NoneYet { window_ends },
            _ => Reconciled::Ambiguous { candidates },
        })
    }
}

/// `t + d`, or a century after `t` when that is not representable (a window that long never
/// passes in practice).
fn later(t: SystemTime, d: Duration) -> SystemTime {
    t.checked_add(d)
        .or_else(|| t.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(t)
}
