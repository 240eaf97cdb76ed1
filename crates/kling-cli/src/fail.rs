//! The one place a failure becomes an exit code.
//!
//! 0 ok; 1 other error; 2 invalid input or usage (nothing sent); 3 API error; 4 timed out (job id
//! printed); 5 the job failed; 6 a submit's outcome is unknown (a job may exist). Scripts rely on
//! these numbers, and README.md documents them.

/// A failure with the exit code scripts rely on.
#[derive(Debug)]
pub enum Fail {
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
    /// 6: a submit's outcome is unknown: a paid job may exist.
    MaybeSubmitted(String),
}

impl Fail {
    /// The process exit code.
    pub fn code(&self) -> u8 {
        match self {
            Fail::Other(_) => 1,
            Fail::Usage(_) => 2,
            Fail::Api(_) => 3,
            Fail::TimedOut(_) => 4,
            Fail::JobFailed(_) => 5,
            Fail::MaybeSubmitted(_) => 6,
        }
    }

    /// What to print after `error: `.
    pub fn message(&self) -> &str {
        match self {
            Fail::Other(m)
            | Fail::Usage(m)
            | Fail::Api(m)
            | Fail::TimedOut(m)
            | Fail::JobFailed(m)
            | Fail::MaybeSubmitted(m) => m,
        }
    }
}

impl From<kling::client::Error> for Fail {
    fn from(e: kling::client::Error) -> Self {
        use kling::client::Error as E;
        match &e {
            E::InvalidInput(_)
            | E::OverBudget { .. }
            | E::Config(_)
            | E::Encode { .. }
            | E::FileNotAccepted { .. } => Fail::Usage(e.to_string()),
            E::Api(api) => {
                // Say what to do next for the refusals a user can act on.
                let next = match api.status {
                    401 => "; check --api-key or PIXELBYTE_API_KEY",
                    402 => "; top up the account balance",
                    403 => "; the key lacks a scope or access to this model",
                    429 => "; too many jobs running, try again later",
                    _ => "",
                };
                Fail::Api(format!("{e}{next}"))
            }
            E::ServerFailed { .. } => Fail::Api(e.to_string()),
            _ => Fail::Other(e.to_string()),
        }
    }
}
