//! Files sent with a step: a form's file inputs (the console's actions and the portal's
//! applications, as `multipart/form-data`) and the API's inline files (`content_base64`).
//! Each file is streamed to the store's incoming area as it arrives — never held whole in
//! memory — and put into the step's attachment field as a reference; the application layer
//! keeps it only if the step is accepted (`App::act_on_with_files`), so a refused step leaves
//! no file behind, and a step may refer only to files sent with it or already its case's.

use crate::AppState;
use crate::error::WebError;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use base64::Engine as _;
use fazhi_core::procedure::{Definition, FieldType};
use fazhi_store::Store;
use fazhi_store::files::Upload;
use serde_json::Value;
use std::collections::BTreeMap;

/// Files one step may carry, and bytes per file.
pub const MAX_FILES: usize = 10;
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The largest body a form or API call with files may have.
pub const MAX_BODY_BYTES: usize = MAX_FILES * MAX_FILE_BYTES + 1024 * 1024;
/// The largest API call: JSON is read whole, so files sent inline (a third larger as Base64)
/// are limited to about 48 MB a call; larger sets go one step at a time.
pub const MAX_API_BODY_BYTES: usize = 64 * 1024 * 1024;

fn store_error(e: fazhi_store::StoreError) -> WebError {
    match e {
        fazhi_store::StoreError::Invalid(m) => WebError::Invalid(m),
        other => other.into(),
    }
}

/// A posted form: its text fields, and its files by the name of the input they came from.
#[derive(Default)]
pub struct Received {
    pub form: Vec<(String, String)>,
    pub files: Vec<(String, Upload)>,
}

/// Reads a `multipart/form-data` body part by part, streaming each file to the store.
pub async fn read_multipart(store: &Store, mut multipart: Multipart) -> Result<Received, WebError> {
    let mut received = Received::default();
    let bad = |e: axum::extract::multipart::MultipartError| {
        WebError::Invalid(format!("提交的表单无法读取：{}", e.body_text()))
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        let Some(file_name) = field.file_name().map(str::to_string) else {
            let text = field.text().await.map_err(bad)?;
            received.form.push((name, text));
            continue;
        };
        let first = field.chunk().await.map_err(bad)?;
        if file_name.is_empty() && first.as_ref().is_none_or(|c| c.is_empty()) {
            continue; // a file input left empty
        }
        if received.files.len() == MAX_FILES {
            return Err(WebError::Invalid(format!("附件最多 {MAX_FILES} 个")));
        }
        let mut writer = store
            .begin_upload(&file_name, MAX_FILE_BYTES)
            .await
            .map_err(store_error)?;
        if let Some(chunk) = first {
            writer.write(&chunk).await.map_err(store_error)?;
        }
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            writer.write(&chunk).await.map_err(store_error)?;
        }
        received
            .files
            .push((name, writer.finish().await.map_err(store_error)?));
    }
    Ok(received)
}

/// A posted form's text fields, its files, and the error of a body that could not be read.
pub type FormParts = (
    Vec<(String, String)>,
    Vec<(String, Upload)>,
    Option<WebError>,
);

/// A console form posted as `application/x-www-form-urlencoded` or, when it has file
/// inputs, as `multipart/form-data`. A body that cannot be read is kept as its error, for the
/// handler to show on the form it came from.
pub struct PostedForm(pub Result<Received, WebError>);

impl PostedForm {
    /// The form's text fields, its files, and the error of a body that could not be read.
    pub fn parts(self) -> FormParts {
        match self.0 {
            Ok(Received { form, files }) => (form, files, None),
            Err(e) => (Vec::new(), Vec::new(), Some(e)),
        }
    }
}

impl FromRequest<AppState> for PostedForm {
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let unreadable = |text: String| WebError::Invalid(format!("提交的表单无法读取：{text}"));
        let multipart = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if multipart {
            let read = match Multipart::from_request(req, state).await {
                Ok(body) => read_multipart(state.app.store(), body).await,
                Err(e) => Err(unreadable(e.body_text())),
            };
            return Ok(PostedForm(read));
        }
        Ok(PostedForm(
            Form::<Vec<(String, String)>>::from_request(req, state)
                .await
                .map(|Form(form)| Received {
                    form,
                    files: Vec::new(),
                })
                .map_err(|e| unreadable(e.body_text())),
        ))
    }
}

/// Puts the files of a form's file inputs (named `f.<field>`) into their attachment fields as
/// references; returns the files to keep with the step. A file sent for a field that holds
/// none, or several for a field that holds one, is refused by the field's name.
pub fn attach(
    definition: &Definition,
    fields: &mut BTreeMap<String, Value>,
    files: Vec<(String, Upload)>,
) -> Result<Vec<Upload>, WebError> {
    let mut by_field: BTreeMap<String, Vec<Upload>> = BTreeMap::new();
    for (input, upload) in files {
        let code = input.strip_prefix("f.").unwrap_or(&input).to_string();
        by_field.entry(code).or_default().push(upload);
    }
    let mut kept = Vec::new();
    for (code, uploads) in by_field {
        let field = definition
            .field(&code)
            .filter(|f| f.holds_files())
            .ok_or_else(|| WebError::Invalid(format!("“{code}”不是可以上传文件的字段")))?;
        let references: Vec<Value> = uploads.iter().map(|u| u.reference().to_value()).collect();
        let value = if field.kind == FieldType::Attachment {
            if references.len() > 1 {
                return Err(WebError::Invalid(format!(
                    "“{}”只能上传一个文件",
                    field.label.zh
                )));
            }
            references.into_iter().next().unwrap_or(Value::Null)
        } else {
            Value::Array(references)
        };
        fields.insert(code, value);
        kept.extend(uploads);
    }
    Ok(kept)
}

/// The API's inline files: in an attachment field, `{"name": "…", "content_base64": "…"}`
/// (or a list of them) is received as a file and replaced by its reference; returns the files
/// to keep with the step.
pub async fn receive_inline(
    store: &Store,
    definition: &Definition,
    fields: &mut BTreeMap<String, Value>,
) -> Result<Vec<Upload>, WebError> {
    let mut kept = Vec::new();
    for field in definition.fields.iter().filter(|f| f.holds_files()) {
        let Some(value) = fields.get_mut(&field.code) else {
            continue;
        };
        let items: Vec<&mut Value> = match value {
            Value::Array(items) => items.iter_mut().collect(),
            other => vec![other],
        };
        for item in items {
            let Some(content) = item.get("content_base64").and_then(Value::as_str) else {
                continue;
            };
            if kept.len() == MAX_FILES {
                return Err(WebError::Invalid(format!("附件最多 {MAX_FILES} 个")));
            }
            let name = item["name"].as_str().unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(content.trim())
                .map_err(|_| {
                    WebError::Invalid(format!(
                        "“{}”的文件“{name}”的 content_base64 不是有效的 Base64",
                        field.label.zh
                    ))
                })?;
            let mut writer = store
                .begin_upload(name, MAX_FILE_BYTES)
                .await
                .map_err(store_error)?;
            writer.write(&bytes).await.map_err(store_error)?;
            let upload = writer.finish().await.map_err(store_error)?;
            *item = upload.reference().to_value();
            kept.push(upload);
        }
    }
    Ok(kept)
}
