//! The steps a row takes, each one statement that checks where the row is first.

use std::path::PathBuf;
use std::time::SystemTime;

use kling::MicroCents;
use rusqlite::types::ToSql;
use rusqlite::{ErrorCode, OptionalExtension};

use super::{Ledger, LedgerError, millis};
use crate::report::RowStatus;

use RowStatus::{Cancelled, Completed, Failed, Planned, Submitted, Submitting, Unknown};

fn json_list(items: impl IntoIterator<Item = String>) -> String {
    serde_json::Value::from(items.into_iter().collect::<Vec<_>>()).to_string()
}

impl Ledger {
    /// Moves row `id` from one of `from` to `to`, setting more columns (`set` refers to the
    /// values as `?3`, `?4`, …).
    fn step(
        &self,
        id: &str,
        from: &[RowStatus],
        to: RowStatus,
        set: &str,
        values: &[&dyn ToSql],
    ) -> Result<(), LedgerError> {
        let allowed = from
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let comma = if set.is_empty() { "" } else { ", " };
        let sql = format!(
            "UPDATE rows SET status = '{}', updated_at_ms = ?2{comma}{set} WHERE id = ?1 AND status IN ({allowed})",
            to.as_str()
        );
        let now = millis(SystemTime::now());
        let mut all: Vec<&dyn ToSql> = vec![&id, &now];
        all.extend_from_slice(values);
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sqlite(e))?;
        match stmt.execute(all.as_slice()) {
            Ok(1) => Ok(()),
            Ok(_) => Err(self.why_not(id, from)?),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
                Err(LedgerError::Invariant {
                    row: id.to_string(),
                    message: "the step would give a job to two rows, or leave two submits of one model unresolved".into(),
                })
            }
            Err(e) => Err(self.sqlite(e)),
        }
    }

    fn status_of(&self, id: &str) -> Result<Option<RowStatus>, LedgerError> {
        let status: Option<String> = self
            .conn
            .query_row("SELECT status FROM rows WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.sqlite(e))?;
        Ok(status.and_then(|s| RowStatus::parse(&s)))
    }

    fn why_not(&self, id: &str, from: &[RowStatus]) -> Result<LedgerError, LedgerError> {
        Ok(match self.status_of(id)? {
            None => LedgerError::NoSuchRow(id.to_string()),
            Some(status) => LedgerError::WrongStatus {
                row: id.to_string(),
                status,
                expected: from
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
            },
        })
    }

    /// The row that holds `job_id`, if any.
    fn owner_of(&self, job_id: &str) -> Result<Option<String>, LedgerError> {
        self.conn
            .query_row("SELECT id FROM rows WHERE job_id = ?1", [job_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.sqlite(e))
    }

    /// Settles an unknown row by hand: `job_id` is its job (charged, presumably, its list
    /// price). The next run waits for it. Refused while a run holds the ledger.
    pub fn adopt(&mut self, id: &str, job_id: &str) -> Result<(), LedgerError> {
        let _lock = self.lock_for_run()?;
        if let Some(row) = self.owner_of(job_id)? {
            return Err(LedgerError::JobClaimed {
                job_id: job_id.to_string(),
                row,
            });
        }
        self.step(
            id,
            &[Unknown],
            Submitted,
            "job_id = ?3, charge = list_price, candidates = NULL, error_message = NULL",
            &[&job_id],
        )
    }

    /// Settles an unknown row by hand: no job of it exists (you checked), so the next run
    /// submits it again. Only for rows you are sure of: a wrong release pays twice. Refused
    /// while a run holds the ledger.
    pub fn release(&mut self, id: &str) -> Result<(), LedgerError> {
        let _lock = self.lock_for_run()?;
        self.step(
            id,
            &[Unknown],
            Planned,
            "sent_at_ms = NULL, candidates = NULL, error_code = NULL, error_message = 'released by hand'",
            &[],
        )
    }

    /// Recorded before a submit is sent.
    pub(crate) fn begin_submit(&self, id: &str, sent_at: SystemTime) -> Result<(), LedgerError> {
        let at = millis(sent_at);
        self.step(
            id,
            &[Planned],
            Submitting,
            "sent_at_ms = ?3, attempts = attempts + 1, error_code = NULL, error_message = NULL, candidates = NULL",
            &[&at],
        )
    }

    /// The submit's answer (or a reconcile) proved the job.
    pub(crate) fn submitted(
        &self,
        id: &str,
        job_id: &str,
        charge: MicroCents,
    ) -> Result<(), LedgerError> {
        if let Some(row) = self.owner_of(job_id)? {
            return Err(LedgerError::JobClaimed {
                job_id: job_id.to_string(),
                row,
            });
        }
        let charge = super::amount(id, charge)?;
        self.step(
            id,
            &[Submitting, Unknown],
            Submitted,
            "job_id = ?3, charge = ?4, candidates = NULL, error_code = NULL, error_message = NULL",
            &[&job_id, &charge],
        )
    }

    /// The submit's outcome is unknown (with the candidates, when a listing was ambiguous).
    pub(crate) fn unknown(
        &self,
        id: &str,
        reason: &str,
        candidates: &[String],
    ) -> Result<(), LedgerError> {
        let candidates = (!candidates.is_empty()).then(|| json_list(candidates.iter().cloned()));
        self.step(
            id,
            &[Submitting, Unknown],
            Unknown,
            "error_message = ?3, candidates = ?4",
            &[&reason, &candidates],
        )
    }

    /// The answer (or a listing after the window) proved that no job exists: plan it again. A
    /// planned row whose files could not be uploaded for now stays planned, with the reason.
    pub(crate) fn requeue(&self, id: &str, code: &str, message: &str) -> Result<(), LedgerError> {
        self.step(
            id,
            &[Planned, Submitting, Unknown],
            Planned,
            "sent_at_ms = NULL, candidates = NULL, error_code = ?3, error_message = ?4",
            &[&code, &message],
        )
    }

    /// The row cannot be sent, the API refused it for good, or its job failed (refunded).
    pub(crate) fn fail(&self, id: &str, code: &str, message: &str) -> Result<(), LedgerError> {
        self.step(
            id,
            &[Planned, Submitting, Submitted],
            Failed,
            "error_code = ?3, error_message = ?4",
            &[&code, &message],
        )
    }

    /// The job completed; `files` when a downloader stored its outputs.
    pub(crate) fn complete(&self, id: &str, files: Option<&[PathBuf]>) -> Result<(), LedgerError> {
        let files = files.map(paths_json);
        self.step(id, &[Submitted], Completed, "files = ?3", &[&files])
    }

    /// A completed row's outputs were downloaded (on a later run).
    pub(crate) fn set_files(&self, id: &str, files: &[PathBuf]) -> Result<(), LedgerError> {
        let files = paths_json(files);
        self.step(id, &[Completed], Completed, "files = ?3", &[&files])
    }

    /// The job was cancelled (refunded).
    pub(crate) fn cancel(&self, id: &str) -> Result<(), LedgerError> {
        self.step(id, &[Submitted], Cancelled, "", &[])
    }

    /// At the start of a run: submits a previous run sent without recording their answer are
    /// unknown. Returns how many.
    pub(crate) fn recover(&self) -> Result<usize, LedgerError> {
        self.conn
            .execute(
                "UPDATE rows SET status = 'unknown',
                     error_message = 'the previous run stopped before the answer to this submit was recorded'
                 WHERE status = 'submitting'",
                [],
            )
            .map_err(|e| self.sqlite(e))
    }
}

fn paths_json(files: &[PathBuf]) -> String {
    json_list(files.iter().map(|p| p.to_string_lossy().into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Plan;

    fn ledger(dir: &tempfile::TempDir) -> Ledger {
        let mut ledger = Ledger::open(dir.path().join("batch.sqlite")).unwrap();
        let text = "{\"id\": \"a\", \"model\": \"kling-plus/kling-o3-standard/text-to-video\", \"input\": {\"prompt\": \"x\"}}\n\
                    {\"id\": \"b\", \"model\": \"kling-plus/kling-o3-standard/text-to-video\", \"input\": {\"prompt\": \"y\"}}\n";
        ledger
            .record_plan(&Plan::from_jsonl(text).unwrap())
            .unwrap();
        ledger
    }

    #[test]
    fn steps_check_where_the_row_is() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = ledger(&dir);
        let now = SystemTime::now();
        assert!(matches!(
            ledger.submitted("a", "job_1", MicroCents::new(1)),
            Err(LedgerError::WrongStatus {
                status: Planned,
                ..
            })
        ));
        assert!(matches!(
            ledger.begin_submit("zz", now),
            Err(LedgerError::NoSuchRow(_))
        ));
        ledger.begin_submit("a", now).unwrap();
        // One unresolved submit per model: the schema refuses a second.
        assert!(matches!(
            ledger.begin_submit("b", now),
            Err(LedgerError::Invariant { .. })
        ));
        ledger
            .unknown("a", "lost", &["job_1".into(), "job_2".into()])
            .unwrap();
        let rows = ledger.rows().unwrap();
        assert_eq!(rows[0].candidates, ["job_1", "job_2"]);
        assert_eq!((rows[0].status, rows[0].attempts), (Unknown, 1));
        ledger.adopt("a", "job_2").unwrap();
        ledger.begin_submit("b", now).unwrap();
        assert_eq!(
            ledger.submitted("b", "job_2", MicroCents::new(5)),
            Err(LedgerError::JobClaimed {
                job_id: "job_2".into(),
                row: "a".into()
            })
        );
        ledger
            .requeue("b", "PUBSUB_PUBLISH_FAILED", "busy")
            .unwrap();
        ledger
            .complete("a", Some(&[PathBuf::from("a/output_0.mp4")]))
            .unwrap();
        let summary = ledger.summary().unwrap();
        let rows = ledger.rows().unwrap();
        assert_eq!(
            rows[0].charge_micro_cents,
            Some(rows[0].list_price_micro_cents)
        );
        assert_eq!(
            (summary.completed, summary.pending, summary.files),
            (1, 1, 1)
        );
        assert_eq!(summary.spent_micro_cents, rows[0].list_price_micro_cents);
        assert_eq!(rows[1].error_code.as_deref(), Some("PUBSUB_PUBLISH_FAILED"));
    }

    #[test]
    fn only_ledgers_open() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.txt");
        std::fs::write(
            &text,
            "these are not the rows you are looking for, not at all",
        )
        .unwrap();
        assert!(matches!(
            Ledger::open(&text),
            Err(LedgerError::Sqlite { .. })
        ));
        let other = dir.path().join("other.sqlite");
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('format', 'something-else/3');")
            .unwrap();
        drop(conn);
        let err = Ledger::open(&other).unwrap_err();
        assert!(matches!(err, LedgerError::NotALedger { .. }), "{err}");
    }

    #[test]
    fn a_crash_mid_submit_is_recovered_as_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = ledger(&dir);
        ledger.begin_submit("a", SystemTime::now()).unwrap();
        drop(ledger);
        let mut ledger = Ledger::open(dir.path().join("batch.sqlite")).unwrap();
        assert_eq!(ledger.recover().unwrap(), 1);
        assert_eq!(ledger.rows().unwrap()[0].status, Unknown);
        ledger.release("a").unwrap();
        assert_eq!(ledger.rows().unwrap()[0].status, Planned);
        assert!(matches!(
            ledger.release("a"),
            Err(LedgerError::WrongStatus { .. })
        ));
    }
}
