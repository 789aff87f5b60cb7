//! Stored files (attachments, evidence, generated documents): content-addressed by SHA-256 in
//! the store's file folder (`DATA/files/ab/abcdef…`), each recorded once by a `file.stored`
//! event whose payload carries the hash, so the event chain vouches for the bytes and
//! `fazhi audit verify` notices a file altered or removed on disk. A file is never changed or
//! deleted in place: the same bytes always have the same name.

use crate::batch::WriteBatch;
use crate::db::on_db;
use crate::{Result, Store, StoreError};
use fazhi_core::region::RegionCode;
use fazhi_core::{NewEvent, Subject};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The most bytes one file may have.
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;

/// What may be stored, by media type, with the file-name extensions that go with each.
pub const ALLOWED_TYPES: &[(&str, &[&str])] = &[
    ("application/pdf", &["pdf"]),
    ("image/jpeg", &["jpg", "jpeg"]),
    ("image/png", &["png"]),
    ("application/ofd", &["ofd"]),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
    ),
    ("text/plain", &["txt"]),
    ("text/html", &["html"]),
    ("audio/mpeg", &["mp3"]),
    ("audio/mp4", &["m4a"]),
    ("audio/wav", &["wav"]),
    ("video/mp4", &["mp4"]),
];

/// A reference to a stored file, as a case field keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub sha256: String,
    pub name: String,
    pub size: i64,
    pub media_type: String,
}

impl FileRef {
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a file reference serialises")
    }
}

/// The media type for a file name, if files of that kind may be stored.
pub fn media_type_for(name: &str) -> Option<&'static str> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    ALLOWED_TYPES
        .iter()
        .find(|(_, exts)| exts.contains(&ext.as_str()))
        .map(|(t, _)| *t)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn path_of(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(&sha256[..2]).join(sha256)
}

impl Store {
    pub fn files_dir(&self) -> Option<&PathBuf> {
        self.files_dir.as_ref()
    }

    fn require_files_dir(&self) -> Result<&PathBuf> {
        self.files_dir
            .as_ref()
            .ok_or_else(|| StoreError::Invalid("未配置附件存储目录（files_dir）".into()))
    }

    /// Stores a file and records it on the region's chain; storing the same bytes again
    /// records nothing new. Refuses empty files, files over [`MAX_FILE_BYTES`] and kinds not
    /// in [`ALLOWED_TYPES`], saying which.
    pub async fn put_file(
        &self,
        region: &RegionCode,
        actor: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<FileRef> {
        let name = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        if name.is_empty() {
            return Err(StoreError::Invalid("文件名为空".into()));
        }
        let media_type = media_type_for(&name).ok_or_else(|| {
            StoreError::Invalid(format!(
                "文件“{name}”的类型不允许上传（允许：PDF、图片、OFD、Word、Excel、文本、音视频）"
            ))
        })?;
        if bytes.is_empty() {
            return Err(StoreError::Invalid(format!("文件“{name}”是空的")));
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(StoreError::Invalid(format!(
                "文件“{name}”超过 {} MB",
                MAX_FILE_BYTES / 1024 / 1024
            )));
        }
        let sha256 = sha256_hex(bytes);
        let reference = FileRef {
            sha256: sha256.clone(),
            name,
            size: bytes.len() as i64,
            media_type: media_type.to_string(),
        };
        let dir = self.require_files_dir()?.clone();
        let path = path_of(&dir, &sha256);
        if !path.exists() {
            let bytes = bytes.to_vec();
            let target = path.clone();
            tokio::task::spawn_blocking(move || write_durably(&target, &bytes))
                .await
                .map_err(|e| StoreError::Invalid(format!("写入文件失败：{e}")))??;
        }
        if self.file_known(&sha256).await? {
            return Ok(reference);
        }
        let event = NewEvent::new(
            region.clone(),
            Subject::new("file", &sha256),
            "file.stored",
            actor,
            json!({"sha256": sha256, "size": reference.size, "media_type": media_type}),
        );
        let batch = WriteBatch::new().event(event).insert(
            "files",
            vec![
                ("sha256", sha256.clone().into()),
                ("size", reference.size.into()),
                ("media_type", media_type.into()),
                ("region", region.as_str().into()),
                ("stored_by", actor.into()),
                ("stored_at", self.now().0.into()),
            ],
        );
        match self.submit(batch).await {
            // Stored by someone else meanwhile: the same bytes, already on the chain.
            Ok(_) | Err(StoreError::Duplicate(_)) => Ok(reference),
            Err(e) => Err(e),
        }
    }

    async fn file_known(&self, sha256: &str) -> Result<bool> {
        on_db!(&self.db, pool => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM files WHERE sha256 = $1")
                .bind(sha256.to_string())
                .fetch_one(pool)
                .await?;
            Ok(n > 0)
        })
    }

    /// A stored file's bytes, checked against its hash (a file altered on disk is refused).
    pub async fn read_file(&self, sha256: &str) -> Result<Vec<u8>> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::NotFound(format!("文件 {sha256}")));
        }
        let path = path_of(self.require_files_dir()?, sha256);
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|_| StoreError::NotFound(format!("文件 {sha256}")))?;
        if sha256_hex(&bytes) != sha256 {
            return Err(StoreError::Invalid(format!(
                "文件 {sha256} 的内容与其摘要不符（已被改动）"
            )));
        }
        Ok(bytes)
    }

    /// Checks one recorded file on disk: `None` if intact, else what is wrong.
    pub(crate) fn check_file(&self, sha256: &str) -> Option<String> {
        let Some(dir) = &self.files_dir else {
            return Some("no file folder is configured to check it in".into());
        };
        match std::fs::read(path_of(dir, sha256)) {
            Ok(bytes) if sha256_hex(&bytes) == sha256 => None,
            Ok(_) => Some(format!("file {sha256} was altered on disk")),
            Err(_) => Some(format!("file {sha256} is missing from disk")),
        }
    }
}

/// Writes to a temporary name, syncs, then renames: a file is either whole or absent.
fn write_durably(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().expect("files live in a subfolder");
    std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir.display().to_string(), e))?;
    let partial = path.with_extension("partial");
    let mut file = std::fs::File::create(&partial)
        .map_err(|e| StoreError::io(partial.display().to_string(), e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| StoreError::io(partial.display().to_string(), e))?;
    std::fs::rename(&partial, path).map_err(|e| StoreError::io(path.display().to_string(), e))?;
    Ok(())
}
