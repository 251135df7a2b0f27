//! The audit log: every inspection, who made it, and why. Append-only.

use std::sync::{Mutex, PoisonError};

use admin_api::AuditRecord;

#[derive(Debug, Default)]
pub struct AuditLog {
    records: Mutex<Vec<AuditRecord>>,
}

impl AuditLog {
    pub fn append(&self, record: AuditRecord) {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(record);
    }

    /// The latest `limit` records, newest first.
    pub fn latest(&self, limit: usize) -> Vec<AuditRecord> {
        let records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        records.iter().rev().take(limit).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_records_come_first() {
        let log = AuditLog::default();
        for at in 1..=3 {
            log.append(AuditRecord {
                at,
                staff: 9,
                user_id: 1,
                reason: "ticket".into(),
            });
        }
        let latest: Vec<u64> = log.latest(2).iter().map(|record| record.at).collect();
        assert_eq!(latest, [3, 2]);
    }
}
