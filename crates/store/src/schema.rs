//! The tables as data: which columns each has and of what type, in an order that respects
//! foreign keys. Backup and restore copy tables generically from this list; a test checks it
//! against the migrated schema on both engines, so the two cannot drift apart.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColType {
    I64,
    Text,
    Bytes,
    Bool,
}

use ColType::*;

pub(crate) struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, ColType)],
    /// Columns that order rows so that referenced rows come first.
    pub order_by: &'static str,
}

pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "regions",
        columns: &[
            ("code", Text),
            ("name", Text),
            ("parent", Text),
            ("level", Text),
            ("version", I64),
            ("created_at", I64),
        ],
        // A parent's code is a prefix of its children's, padded with zeros: it sorts first.
        order_by: "code",
    },
    Table {
        name: "departments",
        columns: &[
            ("id", Text),
            ("region", Text),
            ("code", Text),
            ("name", Text),
            ("kind", Text),
            ("active", Bool),
            ("version", I64),
            ("created_at", I64),
            ("updated_at", I64),
        ],
        order_by: "id",
    },
    Table {
        name: "users",
        columns: &[
            ("id", Text),
            ("name", Text),
            ("display_name", Text),
            ("region", Text),
            ("password_hash", Text),
            ("active", Bool),
            ("version", I64),
            ("created_at", I64),
            ("updated_at", I64),
        ],
        order_by: "id",
    },
    Table {
        name: "grants",
        columns: &[
            ("user_id", Text),
            ("role", Text),
            ("region", Text),
            ("department", Text),
        ],
        order_by: "user_id, role, region, department",
    },
    Table {
        name: "sessions",
        columns: &[
            ("id_hash", Bytes),
            ("user_id", Text),
            ("created_at", I64),
            ("expires_at", I64),
            ("ended_at", I64),
        ],
        order_by: "id_hash",
    },
    Table {
        name: "api_tokens",
        columns: &[
            ("id", Text),
            ("user_id", Text),
            ("token_hash", Bytes),
            ("label", Text),
            ("created_at", I64),
            ("revoked_at", I64),
            ("expires_at", I64),
        ],
        order_by: "id",
    },
    Table {
        name: "login_failures",
        columns: &[("user_name", Text), ("ip", Text), ("at_us", I64)],
        order_by: "at_us, user_name, ip",
    },
    Table {
        name: "cases",
        columns: &[
            ("id", Text),
            ("region", Text),
            ("department", Text),
            ("procedure", Text),
            ("definition_version", Text),
            ("title", Text),
            ("state", Text),
            ("terminal", Bool),
            ("version", I64),
            ("snapshot", Text),
            ("next_due", Text),
            ("warn_from", Text),
            ("next_check", Text),
            ("created_by", Text),
            ("created_at", I64),
            ("updated_at", I64),
            ("number", Text),
            ("receipt", Text),
            ("opened_on", Text),
            ("concluded_on", Text),
            ("alerted", Text),
            ("assignee", Text),
        ],
        order_by: "id",
    },
    Table {
        name: "case_counters",
        columns: &[("scope", Text), ("last", I64)],
        order_by: "scope",
    },
    Table {
        name: "files",
        columns: &[
            ("sha256", Text),
            ("size", I64),
            ("media_type", Text),
            ("region", Text),
            ("stored_by", Text),
            ("stored_at", I64),
        ],
        order_by: "sha256",
    },
    Table {
        name: "case_documents",
        columns: &[
            ("id", Text),
            ("case_id", Text),
            ("document", Text),
            ("title", Text),
            ("docx_sha256", Text),
            ("html_sha256", Text),
            ("created_by", Text),
            ("created_at", I64),
        ],
        order_by: "id",
    },
    Table {
        name: "document_templates",
        columns: &[
            ("region", Text),
            ("procedure", Text),
            ("document", Text),
            ("body", Text),
            ("version", I64),
            ("updated_by", Text),
            ("updated_at", I64),
        ],
        order_by: "region, procedure, document",
    },
    Table {
        name: "publications",
        columns: &[
            ("case_id", Text),
            ("code", Text),
            ("region", Text),
            ("department", Text),
            ("procedure", Text),
            ("label", Text),
            ("title", Text),
            ("number", Text),
            ("since", Text),
            ("fields", Text),
        ],
        order_by: "case_id, code",
    },
    Table {
        name: "calendar_years",
        columns: &[("year", I64), ("source", Text), ("updated_at", I64)],
        order_by: "year",
    },
    Table {
        name: "report_texts",
        columns: &[
            ("region", Text),
            ("report", Text),
            ("year", I64),
            ("part", Text),
            ("version", I64),
            ("text", Text),
            ("actor", Text),
            ("recorded_at", I64),
        ],
        order_by: "region, report, year, part, version",
    },
    Table {
        name: "figure_members",
        columns: &[
            ("report", Text),
            ("figure", Text),
            ("case_id", Text),
            ("region", Text),
            ("from_year", I64),
            ("to_year", I64),
            ("amount", I64),
        ],
        order_by: "report, figure, case_id",
    },
    Table {
        name: "figure_builds",
        columns: &[("report", Text), ("fingerprint", Text), ("built_at", I64)],
        order_by: "report",
    },
    Table {
        name: "case_reads",
        columns: &[
            ("case_id", Text),
            ("region", Text),
            ("user_id", Text),
            ("what", Text),
            ("at_us", I64),
        ],
        order_by: "case_id, at_us, user_id, what",
    },
    Table {
        name: "notifications",
        columns: &[
            ("id", Text),
            ("user_id", Text),
            ("region", Text),
            ("subject", Text),
            ("kind", Text),
            ("title", Text),
            ("body", Text),
            ("link", Text),
            ("created_at", I64),
            ("read_at", I64),
            ("params", Text),
        ],
        order_by: "id",
    },
    Table {
        name: "outbox",
        columns: &[
            ("id", Text),
            ("channel", Text),
            ("target", Text),
            ("subject", Text),
            ("body", Text),
            ("attempts", I64),
            ("next_attempt_at", I64),
            ("status", Text),
            ("last_error", Text),
            ("created_at", I64),
            ("sent_at", I64),
        ],
        order_by: "id",
    },
    Table {
        name: "outbox_attempts",
        columns: &[
            ("outbox_id", Text),
            ("attempt", I64),
            ("at_us", I64),
            ("ok", Bool),
            ("detail", Text),
        ],
        order_by: "outbox_id, attempt",
    },
    Table {
        name: "events",
        columns: &[
            ("region", Text),
            ("seq", I64),
            ("subject", Text),
            ("kind", Text),
            ("actor", Text),
            ("at_us", I64),
            ("payload", Text),
            ("prev_hash", Bytes),
            ("hash", Bytes),
        ],
        order_by: "region, seq",
    },
    Table {
        name: "chain_heads",
        columns: &[
            ("region", Text),
            ("height", I64),
            ("hash", Bytes),
            ("at_us", I64),
        ],
        order_by: "region",
    },
    Table {
        name: "checkpoints",
        columns: &[
            ("region", Text),
            ("height", I64),
            ("head", Bytes),
            ("at_us", I64),
            ("public_key", Bytes),
            ("signature", Bytes),
        ],
        order_by: "region, height",
    },
];

impl Table {
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
