//! The ledger: one SQLite file per batch, in WAL mode with full syncs, written before and after
//! every step of every row.
//!
//! Every step is one statement (or one transaction) that checks the row's current status, so a
//! crash at any instant, `kill -9` included, leaves each row in exactly one recorded state; the
//! next run continues from it. The invariants are also constraints of the schema: a job id
//! belongs to one row at most, and at most one row per model is `submitting` or `unknown`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, OptionalExtension, params};

use crate::plan::Plan;
use crate::report::{RowRecord, RowStatus, Summary};

mod steps;

/// What identifies a ledger file, and its version.
const FORMAT: &str = "kling-batch/1";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rows (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    line INTEGER NOT NULL,
    model TEXT NOT NULL,
    input TEXT NOT NULL,
    list_price INTEGER NOT NULL CHECK (list_price >= 0),
    status TEXT NOT NULL CHECK (status IN
        ('planned', 'submitting', 'unknown', 'submitted', 'completed', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    sent_at_ms INTEGER,
    job_id TEXT UNIQUE,
    charge INTEGER,
    error_code TEXT,
    error_message TEXT,
    candidates TEXT,
    files TEXT,
    updated_at_ms INTEGER NOT NULL,
    CHECK (status NOT IN ('submitting', 'unknown') OR sent_at_ms IS NOT NULL),
    CHECK (status NOT IN ('submitted', 'completed') OR job_id IS NOT NULL)
);
CREATE UNIQUE INDEX IF NOT EXISTS one_unresolved_submit_per_model
    ON rows (model) WHERE status IN ('submitting', 'unknown');
";

/// Why the ledger could not do what was asked. Nothing was sent because of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// SQLite failed (the file cannot be opened, written, or is damaged).
    #[error("ledger {path}: {message}")]
    Sqlite {
        /// The ledger file.
        path: PathBuf,
        /// What SQLite said.
        message: String,
    },
    /// The file is a SQLite database but not a ledger of this version.
    #[error("{path} is not a kling-batch ledger ({found})")]
    NotALedger {
        /// The file.
        path: PathBuf,
        /// What it says it is.
        found: String,
    },
    /// The input does not match the batch the ledger records; nothing was changed.
    #[error("the input does not match the ledger; nothing was sent:\n{}", .0.iter().map(|m| format!("  {m}")).collect::<Vec<_>>().join("\n"))]
    Mismatch(Vec<String>),
    /// No row has this id.
    #[error("the ledger has no row `{0}`")]
    NoSuchRow(String),
    /// The row is not in a status that allows the step.
    #[error("row `{row}` is {status}, not {expected}")]
    WrongStatus {
        /// The row.
        row: String,
        /// Its status.
        status: RowStatus,
        /// What the step needs.
        expected: String,
    },
    /// The step would break an invariant of the ledger (one row per job, one unresolved submit
    /// per model); nothing was changed.
    #[error("row `{row}`: {message}")]
    Invariant {
        /// The row.
        row: String,
        /// Which invariant.
        message: String,
    },
    /// The job already belongs to another row.
    #[error("job {job_id} already belongs to row `{row}`")]
    JobClaimed {
        /// The job.
        job_id: String,
        /// The row it belongs to.
        row: String,
    },
    /// Another run holds this ledger.
    #[error("another run is using the ledger {0} (its lock file is held)")]
    Busy(PathBuf),
    /// A stored value cannot be read back.
    #[error("ledger {path}: row `{row}`: {message}")]
    Corrupt {
        /// The ledger file.
        path: PathBuf,
        /// The row.
        row: String,
        /// What is wrong.
        message: String,
    },
}

/// A batch's ledger file.
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

/// A row with what the runner needs besides its record.
#[derive(Debug, Clone)]
pub(crate) struct StoredRow {
    pub record: RowRecord,
    /// The canonical input text.
    pub input: String,
    /// When the last submit was recorded as about to be sent.
    pub sent_at: Option<SystemTime>,
    /// Whether a downloader has stored the outputs (an empty list counts).
    pub downloaded: bool,
}

pub(crate) fn millis(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// An amount as SQLite stores it (a signed 64-bit integer).
pub(crate) fn amount(row: &str, value: kling::MicroCents) -> Result<i64, LedgerError> {
    i64::try_from(value.get()).map_err(|_| LedgerError::Invariant {
        row: row.to_string(),
        message: format!("{} micro-cents is too large to record", value.get()),
    })
}

fn from_millis(ms: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

impl Ledger {
    /// Opens a ledger, creating the file (and the schema) when it does not exist.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, LedgerError> {
        let path = path.as_ref().to_path_buf();
        let fail = |e: rusqlite::Error| LedgerError::Sqlite {
            path: path.clone(),
            message: e.to_string(),
        };
        let conn = Connection::open(&path).map_err(fail)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(fail)?;
        // WAL: a reader (`status`) never blocks the run. FULL: a step is on disk before the
        // request it announces is sent, even across a power cut.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(fail)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(fail)?;
        conn.execute_batch(SCHEMA).map_err(fail)?;
        let found: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(fail)?;
        match found {
            Some(f) if f == FORMAT => {}
            Some(other) => {
                return Err(LedgerError::NotALedger {
                    path,
                    found: format!("format `{other}`"),
                });
            }
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('format', ?1)",
                    [FORMAT],
                )
                .map_err(fail)?;
            }
        }
        Ok(Self { conn, path })
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn sqlite(&self, e: rusqlite::Error) -> LedgerError {
        LedgerError::Sqlite {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Records a plan: new rows are added as `planned`; rows already recorded must have the
    /// same model and input, and every recorded row must still be in the plan. On any mismatch
    /// nothing is changed and every mismatch is listed. Returns how many rows were added.
    pub fn record_plan(&mut self, plan: &Plan) -> Result<usize, LedgerError> {
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| LedgerError::Sqlite {
            path: path.clone(),
            message: e.to_string(),
        };
        let tx = self.conn.transaction().map_err(fail)?;
        let mut recorded: HashMap<String, (String, String)> = HashMap::new();
        {
            let mut stmt = tx
                .prepare("SELECT id, model, input FROM rows")
                .map_err(fail)?;
            let found = stmt
                .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
                .map_err(fail)?;
            for row in found {
                let (id, stored) = row.map_err(fail)?;
                recorded.insert(id, stored);
            }
        }
        let mut problems = Vec::new();
        let mut added = 0;
        let now = millis(SystemTime::now());
        for row in plan.rows() {
            let input = row.input.to_string();
            let line = i64::try_from(row.line).unwrap_or(i64::MAX);
            let model = row.model.slug();
            match recorded.remove(&row.id) {
                Some((m, i)) if m == model && i == input => {
                    tx.execute(
                        "UPDATE rows SET line = ?2 WHERE id = ?1",
                        params![row.id, line],
                    )
                    .map_err(fail)?;
                }
                Some((m, _)) if m != model => problems.push(format!(
                    "row `{}` (line {}): the ledger has it for {m}, the input for {model}; give the changed row a new id",
                    row.id, row.line
                )),
                Some((_, i)) => problems.push(format!(
                    "row `{}` (line {}): its input changed since it was recorded (was {i}); give the changed row a new id",
                    row.id, row.line
                )),
                None => {
                    tx.execute(
                        "INSERT INTO rows (id, line, model, input, list_price, status, updated_at_ms)
                         VALUES (?1, ?2, ?3, ?4, ?5, 'planned', ?6)",
                        params![
                            row.id,
                            line,
                            model,
                            input,
                            amount(&row.id, row.list_price)?,
                            now
                        ],
                    )
                    .map_err(fail)?;
                    added += 1;
                }
            }
        }
        let mut missing: Vec<&String> = recorded.keys().collect();
        missing.sort();
        for id in missing {
            problems.push(format!(
                "row `{id}` is in the ledger but not in the input; a batch keeps its rows"
            ));
        }
        if !problems.is_empty() {
            return Err(LedgerError::Mismatch(problems));
        }
        tx.commit().map_err(fail)?;
        Ok(added)
    }

    /// Every row, in the order they were first planned.
    pub fn rows(&self) -> Result<Vec<RowRecord>, LedgerError> {
        Ok(self.stored_rows()?.into_iter().map(|r| r.record).collect())
    }

    /// The batch in numbers.
    pub fn summary(&self) -> Result<Summary, LedgerError> {
        Ok(Summary::of(&self.rows()?))
    }

    /// The concurrency learnt from the API's 429 answers in earlier runs, if any.
    pub fn learnt_concurrency(&self) -> Result<Option<usize>, LedgerError> {
        let value: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'learnt_concurrency'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sqlite(e))?;
        Ok(value
            .and_then(|v| v.parse().ok())
            .filter(|&n: &usize| n > 0))
    }

    pub(crate) fn set_learnt_concurrency(&self, limit: usize) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES ('learnt_concurrency', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [limit.to_string()],
            )
            .map_err(|e| self.sqlite(e))?;
        Ok(())
    }

    pub(crate) fn stored_rows(&self) -> Result<Vec<StoredRow>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, line, model, status, job_id, list_price, charge, files, error_code,
                        error_message, candidates, attempts, input, sent_at_ms
                 FROM rows ORDER BY seq",
            )
            .map_err(|e| self.sqlite(e))?;
        let raw = stmt
            .query_map([], |r| {
                Ok(RawRow {
                    id: r.get(0)?,
                    line: r.get(1)?,
                    model: r.get(2)?,
                    status: r.get(3)?,
                    job_id: r.get(4)?,
                    list_price: r.get(5)?,
                    charge: r.get(6)?,
                    files: r.get(7)?,
                    error_code: r.get(8)?,
                    error_message: r.get(9)?,
                    candidates: r.get(10)?,
                    attempts: r.get(11)?,
                    input: r.get(12)?,
                    sent_at_ms: r.get(13)?,
                })
            })
            .map_err(|e| self.sqlite(e))?;
        let mut rows = Vec::new();
        for row in raw {
            let row = row.map_err(|e| self.sqlite(e))?;
            rows.push(row.decode(&self.path)?);
        }
        Ok(rows)
    }

    /// Takes the run lock (a `<ledger>.lock` file beside it), held until the guard is dropped or
    /// the process ends, so two runs never drive one batch.
    pub(crate) fn lock_for_run(&self) -> Result<std::fs::File, LedgerError> {
        let mut lock_path = self.path.clone().into_os_string();
        lock_path.push(".lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| LedgerError::Sqlite {
                path: PathBuf::from(&lock_path),
                message: e.to_string(),
            })?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => Err(LedgerError::Busy(self.path.clone())),
            Err(std::fs::TryLockError::Error(e)) => Err(LedgerError::Sqlite {
                path: PathBuf::from(&lock_path),
                message: e.to_string(),
            }),
        }
    }
}

struct RawRow {
    id: String,
    line: i64,
    model: String,
    status: String,
    job_id: Option<String>,
    list_price: i64,
    charge: Option<i64>,
    files: Option<String>,
    error_code: Option<String>,
    error_message: Option<String>,
    candidates: Option<String>,
    attempts: i64,
    input: String,
    sent_at_ms: Option<i64>,
}

impl RawRow {
    fn decode(self, path: &Path) -> Result<StoredRow, LedgerError> {
        let corrupt = |message: String| LedgerError::Corrupt {
            path: path.to_path_buf(),
            row: self.id.clone(),
            message,
        };
        let status = RowStatus::parse(&self.status)
            .ok_or_else(|| corrupt(format!("unknown status `{}`", self.status)))?;
        let list = |text: &Option<String>, what: &str| -> Result<Vec<String>, LedgerError> {
            text.as_deref().map_or(Ok(Vec::new()), |t| {
                serde_json::from_str(t).map_err(|e| corrupt(format!("{what}: {e}")))
            })
        };
        let files = list(&self.files, "files")?
            .into_iter()
            .map(PathBuf::from)
            .collect();
        let candidates = list(&self.candidates, "candidates")?;
        let whole = |n: i64| u64::try_from(n).map_err(|_| corrupt(format!("negative amount {n}")));
        let record = RowRecord {
            line: usize::try_from(self.line).unwrap_or(0),
            model: self.model,
            status,
            job_id: self.job_id,
            list_price_micro_cents: whole(self.list_price)?,
            charge_micro_cents: self.charge.map(whole).transpose()?,
            files,
            error_code: self.error_code,
            error_message: self.error_message,
            candidates,
            attempts: u32::try_from(self.attempts).unwrap_or(u32::MAX),
            id: self.id.clone(),
        };
        Ok(StoredRow {
            record,
            input: self.input,
            sent_at: self.sent_at_ms.map(from_millis),
            downloaded: self.files.is_some(),
        })
    }
}
