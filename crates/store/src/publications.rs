//! What is public (执法公示, 信息公开): the `publications` projection, one row per case and
//! publication, rewritten with every step of the case from its definition's publications, with
//! personal data already masked. The portal reads only this table.

use crate::batch::Value;
use crate::db::on_db;
use crate::{Result, Store};
use serde::Serialize;
use sqlx::Row;

/// One published record as the portal shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicItem {
    pub case_id: String,
    pub code: String,
    pub region: String,
    pub department: String,
    pub procedure: String,
    pub label: String,
    pub title: String,
    pub number: Option<String>,
    pub since: Option<String>,
    /// (field label, value shown), masked as the definition says.
    pub fields: Vec<(String, String)>,
}

/// Which published records to list.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter<'a> {
    pub procedure: Option<&'a str>,
    pub case_id: Option<&'a str>,
    pub words: Option<&'a str>,
    pub page: u32,
    pub per_page: u32,
}

/// A page of published records, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct PublicPage {
    pub items: Vec<PublicItem>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl Store {
    /// Published records, optionally of one procedure or case and matching words, newest first.
    pub async fn publications(&self, filter: &PublicFilter<'_>) -> Result<PublicPage> {
        let page = filter.page.max(1);
        let per_page = filter.per_page.clamp(1, 100);
        let mut conditions = vec!["1 = 1".to_string()];
        let mut params: Vec<Value> = Vec::new();
        if let Some(p) = filter.procedure {
            params.push(p.into());
            conditions.push(format!("procedure = ${}", params.len()));
        }
        if let Some(c) = filter.case_id {
            params.push(c.into());
            conditions.push(format!("case_id = ${}", params.len()));
        }
        if let Some(w) = filter.words.map(str::trim).filter(|w| !w.is_empty()) {
            params.push(format!("%{}%", w.replace(['%', '_'], "")).into());
            let n = params.len();
            conditions.push(format!(
                "(title LIKE ${n} OR fields LIKE ${n} OR number LIKE ${n})"
            ));
        }
        let filter = conditions.join(" AND ");
        let count_sql = format!("SELECT COUNT(*) FROM publications WHERE {filter}");
        let list_sql = format!(
            "SELECT case_id, code, region, department, procedure, label, title, number, since, fields \
             FROM publications WHERE {filter} ORDER BY since DESC, case_id LIMIT {per_page} OFFSET {}",
            (page - 1) * per_page
        );
        let (total, items) = on_db!(&self.db, pool => {
            let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
            let mut list = sqlx::query(sqlx::AssertSqlSafe(list_sql));
            for p in &params {
                if let Value::Text(t) = p {
                    count = count.bind(t.clone());
                    list = list.bind(t.clone());
                }
            }
            let total = count.fetch_one(pool).await?;
            let mut items = Vec::new();
            for row in list.fetch_all(pool).await? {
                let fields: String = row.try_get("fields")?;
                items.push(PublicItem {
                    case_id: row.try_get("case_id")?,
                    code: row.try_get("code")?,
                    region: row.try_get("region")?,
                    department: row.try_get("department")?,
                    procedure: row.try_get("procedure")?,
                    label: row.try_get("label")?,
                    title: row.try_get("title")?,
                    number: row.try_get("number")?,
                    since: row.try_get("since")?,
                    fields: serde_json::from_str(&fields).unwrap_or_default(),
                });
            }
            (total, items)
        });
        Ok(PublicPage {
            items,
            total,
            page,
            per_page,
        })
    }
}
