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
        let (name, media_type) = checked_name(name)?;
        if bytes.is_empty() {
            return Err(StoreError::Invalid(format!("文件“{name}”是空的")));
        }
        if bytes.len() > MAX_FILE_BYTES {
            return Err(too_large(&name, MAX_FILE_BYTES));
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
        self.record_file(region, actor, reference).await
    }

    /// Starts receiving a file of this name, to be written as it arrives (never held whole in
    /// memory) to a temporary file of the store's file area, at most `max_bytes` long. Refuses
    /// a name of a kind not in [`ALLOWED_TYPES`] before a byte is written.
    pub async fn begin_upload(&self, name: &str, max_bytes: usize) -> Result<UploadWriter> {
        let (name, media_type) = checked_name(name)?;
        let dir = self.require_files_dir()?.join(INCOMING);
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| StoreError::io(dir.display().to_string(), e))?;
        let mut random = [0u8; 12];
        getrandom::fill(&mut random).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let path = dir.join(hex::encode(random));
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| StoreError::io(path.display().to_string(), e))?;
        Ok(UploadWriter {
            file,
            hasher: Sha256::new(),
            size: 0,
            max_bytes: max_bytes.min(MAX_FILE_BYTES),
            upload: Upload {
                path,
                reference: FileRef {
                    sha256: String::new(),
                    name,
                    size: 0,
                    media_type: media_type.to_string(),
                },
            },
        })
    }

    /// Keeps a received file: moves it to its content address (unless those bytes are stored
    /// already) and records it on the region's chain as [`Store::put_file`] does.
    pub async fn keep_upload(
        &self,
        region: &RegionCode,
        actor: &str,
        upload: Upload,
    ) -> Result<FileRef> {
        let dir = self.require_files_dir()?.clone();
        let target = path_of(&dir, &upload.reference.sha256);
        let reference = upload.reference.clone();
        tokio::task::spawn_blocking(move || upload.move_to(&target))
            .await
            .map_err(|e| StoreError::Invalid(format!("写入文件失败：{e}")))??;
        self.record_file(region, actor, reference).await
    }

    /// Records a file written to its content address on the region's chain, once.
    async fn record_file(
        &self,
        region: &RegionCode,
        actor: &str,
        reference: FileRef,
    ) -> Result<FileRef> {
        let sha256 = reference.sha256.clone();
        let media_type = reference.media_type.clone();
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
                ("media_type", media_type.clone().into()),
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

/// Where files being received are written until they are kept or dropped.
const INCOMING: &str = ".incoming";

/// Removes files left half-received by a process that stopped mid-upload (older than a day:
/// another process on the same folder may be receiving one now).
pub(crate) fn sweep_incoming(files_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(files_dir.join(INCOMING)) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 60 * 60);
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A file's name without any folder part, and its media type if files of that kind may be
/// stored.
fn checked_name(name: &str) -> Result<(String, &'static str)> {
    let name = name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    if name.is_empty() {
        return Err(StoreError::Invalid("文件名为空".into()));
    }
    if name.chars().count() > 200 {
        return Err(StoreError::Invalid("文件名超过 200 个字".into()));
    }
    let media_type = media_type_for(&name).ok_or_else(|| {
        StoreError::Invalid(format!(
            "文件“{name}”的类型不允许上传（允许：PDF、图片、OFD、Word、Excel、文本、音视频）"
        ))
    })?;
    Ok((name, media_type))
}

fn too_large(name: &str, max_bytes: usize) -> StoreError {
    StoreError::Invalid(format!("文件“{name}”超过 {} MB", max_bytes / 1024 / 1024))
}

/// A file being received ([`Store::begin_upload`]): each chunk is hashed and written as it
/// arrives.
pub struct UploadWriter {
    file: tokio::fs::File,
    hasher: Sha256,
    size: usize,
    max_bytes: usize,
    upload: Upload,
}

impl UploadWriter {
    /// Writes the next chunk; refuses one that takes the file over its limit (and the
    /// partial file is deleted).
    pub async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        use tokio::io::AsyncWriteExt;
        self.size += chunk.len();
        if self.size > self.max_bytes {
            return Err(too_large(&self.upload.reference.name, self.max_bytes));
        }
        self.hasher.update(chunk);
        self.file
            .write_all(chunk)
            .await
            .map_err(|e| StoreError::io(self.upload.path.display().to_string(), e))
    }

    /// The whole file received: synced to disk, hashed, waiting to be kept or dropped. An
    /// empty file is refused.
    pub async fn finish(mut self) -> Result<Upload> {
        if self.size == 0 {
            return Err(StoreError::Invalid(format!(
                "文件“{}”是空的",
                self.upload.reference.name
            )));
        }
        self.file
            .sync_all()
            .await
            .map_err(|e| StoreError::io(self.upload.path.display().to_string(), e))?;
        self.upload.reference.sha256 = hex::encode(self.hasher.finalize_reset());
        self.upload.reference.size = self.size as i64;
        Ok(self.upload)
    }

    /// The name the file was sent with.
    pub fn name(&self) -> &str {
        &self.upload.reference.name
    }
}

/// A received file not yet kept: what a case step would refer to, and its bytes in a
/// temporary file that is deleted if it is never kept ([`Store::keep_upload`]) — a refused
/// application leaves nothing behind.
pub struct Upload {
    path: PathBuf,
    reference: FileRef,
}

impl Upload {
    /// How a case step refers to the file once it is kept.
    pub fn reference(&self) -> &FileRef {
        &self.reference
    }

    fn move_to(&self, target: &Path) -> Result<()> {
        if target.exists() {
            return Ok(()); // the same bytes are stored already; Drop removes ours
        }
        let dir = target.parent().expect("files live in a subfolder");
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir.display().to_string(), e))?;
        std::fs::rename(&self.path, target)
            .map_err(|e| StoreError::io(target.display().to_string(), e))
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        // Gone already when it was kept.
        let _ = std::fs::remove_file(&self.path);
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
