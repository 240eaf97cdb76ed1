//! How a sandbox behaves: keys, clock, money, limits, envelope and injected faults.

use std::path::PathBuf;
use std::time::Duration;

use kling_descriptor::MicroCents;

/// What a key may do (the API's key scopes). A key with no scopes may do everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Submit and cancel jobs.
    SubmitJob,
    /// Read jobs, list them, estimate prices.
    CheckStatus,
    /// List models.
    ListModels,
}

impl Scope {
    /// The scope's name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::SubmitJob => "submit_job",
            Scope::CheckStatus => "check_status",
            Scope::ListModels => "list_models",
        }
    }
}

/// An API key the sandbox accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The key itself (`pb_…`).
    pub key: String,
    /// What it may do; empty means everything.
    pub scopes: Vec<Scope>,
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("key", &"<redacted>")
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl ApiKey {
    /// A key with every scope.
    pub fn new(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            scopes: Vec::new(),
        }
    }

    /// Whether the key may use `scope`.
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.is_empty() || self.scopes.contains(&scope)
    }
}

/// Where successful responses put their fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Envelope {
    /// Fields at the top level, as the jobs reference pages show.
    #[default]
    Bare,
    /// `{"success": true, "data": {...}, "requestId": "..."}`, as the introduction says.
    Wrapped,
}

/// Injected faults; every rate is a probability in `[0, 1]`, drawn from the seeded generator.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Faults {
    /// Submits refused with 503 PUBSUB_PUBLISH_FAILED before any job exists.
    pub submit_unavailable: f64,
    /// Reads (GET under `/v1`) answered with 500 INTERNAL_ERROR.
    pub read_error: f64,
    /// API responses whose connection is dropped after the request was handled.
    pub drop_connection: f64,
    /// Delay added before handling each API request.
    pub latency: Duration,
    /// Jobs that end `failed` with GENERATION_FAILED (and are refunded).
    pub failed_generation: f64,
    /// Output-file downloads cut short: the headers announce the whole length (of the file, or
    /// of the range asked for), then the connection ends after about half of it (never more),
    /// so a client must resume with `Range`. Every response is a new draw, resumptions included.
    pub cut_download: f64,
}

/// Everything a sandbox needs to start. `Default` gives a fresh random key and secret, a clock
/// at real speed, an unlimited balance, no cap and no faults.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Keys accepted as `Authorization: Bearer …` or `x-api-key`.
    pub api_keys: Vec<ApiKey>,
    /// The account's webhook signing secret.
    pub webhook_secret: String,
    /// How many times faster than real time jobs progress (`100` turns 240 s into 2.4 s).
    pub speed: f64,
    /// The actual duration of a job is its ETA times a factor drawn uniformly from this range.
    pub completion_factor: (f64, f64),
    /// Seed of the generator behind ids, faults and durations.
    pub seed: u64,
    /// The account balance; `None` is unlimited.
    pub balance: Option<MicroCents>,
    /// Most jobs pending or processing at once; `None` is no cap.
    pub max_concurrent: Option<usize>,
    /// Response envelope (switchable at run time too).
    pub envelope: Envelope,
    /// Injected faults.
    pub faults: Faults,
    /// Most jobs kept; the oldest finished ones are forgotten first.
    pub max_jobs: usize,
    /// Most bytes of uploads kept in memory at once.
    pub max_upload_bytes: usize,
    /// Read descriptors from this directory instead of the embedded catalog.
    pub schemas_dir: Option<PathBuf>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            api_keys: vec![ApiKey::new(random_token("pb_sandbox_"))],
            webhook_secret: random_token("whsec_"),
            speed: 1.0,
            completion_factor: (1.0, 1.0),
            seed: 0,
            balance: None,
            max_concurrent: None,
            envelope: Envelope::Bare,
            faults: Faults::default(),
            max_jobs: 10_000,
            max_upload_bytes: 256 * 1024 * 1024,
            schemas_dir: None,
        }
    }
}

impl SandboxConfig {
    /// A configuration for tests: one known key and secret, a fast clock, everything else default.
    pub fn for_tests() -> Self {
        Self {
            api_keys: vec![ApiKey::new("pb_test_key")],
            webhook_secret: "whsec_test_secret".into(),
            speed: 1000.0,
            ..Self::default()
        }
    }

    /// Checks the values, naming the first that is out of range.
    pub fn validate(&self) -> Result<(), String> {
        if self.api_keys.is_empty() {
            return Err("at least one API key is needed".into());
        }
        if self.api_keys.iter().any(|k| k.key.trim().is_empty()) {
            return Err("an API key is empty".into());
        }
        if !(self.speed.is_finite() && self.speed > 0.0) {
            return Err(format!(
                "speed must be a positive number, got {}",
                self.speed
            ));
        }
        let (lo, hi) = self.completion_factor;
        if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi) {
            return Err(format!(
                "completion factor range must satisfy 0 < low <= high, got {lo}..{hi}"
            ));
        }
        let rates = [
            ("fail-submit", self.faults.submit_unavailable),
            ("fail-read", self.faults.read_error),
            ("drop", self.faults.drop_connection),
            ("fail-jobs", self.faults.failed_generation),
            ("cut-downloads", self.faults.cut_download),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} rate must be between 0 and 1, got {rate}"));
            }
        }
        if self.max_concurrent == Some(0) {
            return Err("max concurrent jobs must be at least 1".into());
        }
        if self.max_jobs == 0 {
            return Err("the job store must hold at least one job".into());
        }
        Ok(())
    }
}

/// A random token with a prefix, from the operating system's entropy.
pub(crate) fn random_token(prefix: &str) -> String {
    use rand::RngExt;
    let bytes: [u8; 16] = rand::rng().random();
    format!("{prefix}{}", hex::encode(bytes))
}

/// A random seed, for runs that need no reproducibility.
pub fn random_seed() -> u64 {
    use rand::RngExt;
    rand::rng().random()
}
