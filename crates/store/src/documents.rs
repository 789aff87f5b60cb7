//! Official documents generated for cases (受理通知书, 答复书 …) and the templates staff have
//! edited. A generated document is two stored files (DOCX and HTML, content-addressed) and a
//! `case.document` event carrying both hashes, so a document handed to a party can always be
//! matched to the record. An edited template is a per-region override of the built-in one,
//! each change a `template.changed` event with the full new text.

use crate::batch::WriteBatch;
use crate::db::on_db;
use crate::files::FileRef;
use crate::{Result, Store};
use fazhi_core::region::RegionCode;
use fazhi_core::{NewEvent, Subject, Timestamp};
use serde::Serialize;
use serde_json::json;

/// A document generated for a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseDocument {
    pub id: String,
    pub case_id: String,
    pub document: String,
    pub title: String,
    pub docx_sha256: String,
    pub html_sha256: String,
    pub created_by: String,
    pub created_at: Timestamp,
}

/// A document just rendered and stored: which template, its title, its two files.
pub struct GeneratedDocument<'a> {
    pub document: &'a str,
    pub title: &'a str,
    pub docx: &'a FileRef,
    pub html: &'a FileRef,
}

/// A region's own text of a document template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditedTemplate {
    pub procedure: String,
    pub document: String,
    pub body: String,
    pub version: i64,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

impl Store {
    /// Records a generated document of a case (its files must be stored already).
    pub async fn record_document(
        &self,
        region: &RegionCode,
        case_id: &str,
        generated: GeneratedDocument<'_>,
        actor: &str,
    ) -> Result<CaseDocument> {
        let GeneratedDocument {
            document,
            title,
            docx,
            html,
        } = generated;
        let id = uuid::Uuid::now_v7().simple().to_string();
        let now = self.now();
        let event = NewEvent::new(
            region.clone(),
            Subject::new("case", case_id),
            "case.document",
            actor,
            json!({
                "document": document,
                "title": title,
                "docx_sha256": docx.sha256,
                "html_sha256": html.sha256,
            }),
        );
        let batch = WriteBatch::new().event(event).insert(
            "case_documents",
            vec![
                ("id", id.clone().into()),
                ("case_id", case_id.into()),
                ("document", document.into()),
                ("title", title.into()),
                ("docx_sha256", docx.sha256.clone().into()),
                ("html_sha256", html.sha256.clone().into()),
                ("created_by", actor.into()),
                ("created_at", now.0.into()),
            ],
        );
        self.submit(batch).await?;
        Ok(CaseDocument {
            id,
            case_id: case_id.to_string(),
            document: document.to_string(),
            title: title.to_string(),
            docx_sha256: docx.sha256.clone(),
            html_sha256: html.sha256.clone(),
            created_by: actor.to_string(),
            created_at: now,
        })
    }

    /// The documents generated for a case, newest first.
    pub async fn documents_of(&self, case_id: &str) -> Result<Vec<CaseDocument>> {
        type Row = (String, String, String, String, String, String, String, i64);
        let rows: Vec<Row> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT id, case_id, document, title, docx_sha256, html_sha256, created_by, created_at \
                 FROM case_documents WHERE case_id = $1 ORDER BY created_at DESC, id DESC",
            )
            .bind(case_id.to_string())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(id, case_id, document, title, docx, html, by, at)| CaseDocument {
                    id,
                    case_id,
                    document,
                    title,
                    docx_sha256: docx,
                    html_sha256: html,
                    created_by: by,
                    created_at: Timestamp(at),
                },
            )
            .collect())
    }

    /// The region's edited templates.
    pub async fn edited_templates(&self, region: &RegionCode) -> Result<Vec<EditedTemplate>> {
        type Row = (String, String, String, i64, String, i64);
        let rows: Vec<Row> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT procedure, document, body, version, updated_by, updated_at \
                 FROM document_templates WHERE region = $1 ORDER BY procedure, document",
            )
            .bind(region.as_str().to_string())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(procedure, document, body, version, by, at)| EditedTemplate {
                    procedure,
                    document,
                    body,
                    version,
                    updated_by: by,
                    updated_at: Timestamp(at),
                },
            )
            .collect())
    }

    /// Saves a region's text of a template. `expected_version` is the version the editor saw
    /// (0 when they started from the built-in text): a concurrent edit is a conflict.
    pub async fn save_template(
        &self,
        region: &RegionCode,
        procedure: &str,
        document: &str,
        body: &str,
        expected_version: i64,
        actor: &str,
    ) -> Result<i64> {
        let now = self.now();
        let event = NewEvent::new(
            region.clone(),
            Subject::new("template", &format!("{procedure}/{document}")),
            "template.changed",
            actor,
            json!({"procedure": procedure, "document": document, "body": body, "version": expected_version + 1}),
        );
        let batch = WriteBatch::new().event(event);
        let key = vec![
            ("region", region.as_str().into()),
            ("procedure", procedure.into()),
            ("document", document.into()),
        ];
        let set = vec![
            ("body", body.into()),
            ("updated_by", actor.into()),
            ("updated_at", now.0.into()),
        ];
        let batch = if expected_version == 0 {
            let mut values = key;
            values.extend(set);
            values.push(("version", 1.into()));
            batch.insert("document_templates", values)
        } else {
            batch.update("document_templates", key, set, Some(expected_version))
        };
        self.submit(batch).await?;
        Ok(expected_version + 1)
    }
}
