//! Proving the event log was not altered: signed checkpoints and full verification.
//!
//! `verify` recomputes every region's chain from the first event, checks it against the
//! recorded chain heads, and checks every checkpoint (its hash at its height, and its signature
//! with the installation's public key). It stops at the first fault and names it.

use crate::batch::WriteBatch;
use crate::db::on_db;
use crate::events::{EVENT_COLUMNS, event_from_row};
use crate::writer::to_hash;
use crate::{Result, Store, StoreError};
use ed25519_dalek::SigningKey;
pub use ed25519_dalek::VerifyingKey;
use fazhi_core::Timestamp;
use fazhi_core::checkpoint;
use fazhi_core::event::{ChainVerifier, EventFields, Hash32, StoredEvent};
use futures_util::TryStreamExt;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const KEY_FILE: &str = "checkpoint.key";
pub const PUBLIC_KEY_FILE: &str = "checkpoint.pub";
/// Every checkpoint ever signed, one line each, kept beside the key (outside the database):
/// verification requires each to be present, so checkpoints cannot be deleted unseen.
pub const CHECKPOINT_LOG: &str = "checkpoints.log";

/// A stored checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub region: String,
    pub height: i64,
    pub head: Hash32,
    pub at: Timestamp,
    pub public_key: Vec<u8>,
    pub signature: Vec<u8>,
}

type CheckpointRow = (String, i64, Vec<u8>, i64, Vec<u8>, Vec<u8>);

/// Where verification found the log altered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub region: String,
    /// The first bad event's sequence number, when the fault is at an event.
    pub seq: Option<i64>,
    pub what: String,
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "region {} event {}: {}", self.region, seq, self.what),
            None => write!(f, "region {}: {}", self.region, self.what),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionSummary {
    pub region: String,
    pub events: i64,
    pub checkpoints: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub regions: Vec<RegionSummary>,
    pub fault: Option<Fault>,
    /// The chain heads as read in the verified snapshot: what a checkpoint may sign.
    pub heads: BTreeMap<String, (i64, Vec<u8>)>,
    /// Whether checkpoint signatures were checked against a trusted key — the auditor's
    /// anchor or the installation's own key file — rather than only against the public key
    /// stored beside each checkpoint.
    pub trusted_key: bool,
    /// What comparing the rows with their events found (after intact chains).
    pub rows: Option<crate::rows::RowsReport>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.fault.is_none()
    }

    pub fn events(&self) -> i64 {
        self.regions.iter().map(|r| r.events).sum()
    }

    pub fn checkpoints(&self) -> usize {
        self.regions.iter().map(|r| r.checkpoints).sum()
    }
}

/// The signing key in `dir`, created (0600, in a 0700 folder) if there is none.
pub fn load_or_create_key(dir: &Path) -> Result<SigningKey> {
    let path = dir.join(KEY_FILE);
    if path.exists() {
        return read_key(&path);
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| StoreError::io(format!("cannot create {}", dir.display()), e))?;
    restrict(dir, 0o700)?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| StoreError::Invalid(format!("no randomness for a key: {e}")))?;
    let key = SigningKey::from_bytes(&seed);
    write_private(&path, hex::encode(seed).as_bytes())?;
    std::fs::write(
        dir.join(PUBLIC_KEY_FILE),
        format!("{}\n", hex::encode(key.verifying_key().to_bytes())),
    )
    .map_err(|e| StoreError::io("cannot write the public key", e))?;
    Ok(key)
}

/// A public key as published: 64 hex digits (what `checkpoint.pub` holds).
pub fn parse_public_key(text: &str) -> Result<VerifyingKey> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut bytes)
        .ok()
        .and_then(|()| VerifyingKey::from_bytes(&bytes).ok())
        .ok_or_else(|| {
            StoreError::Invalid(
                "not a checkpoint public key (64 hex digits, as in checkpoint.pub, expected)"
                    .into(),
            )
        })
}

/// The public key in a `checkpoint.pub` file.
pub fn read_public_key(path: &Path) -> Result<VerifyingKey> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StoreError::io(format!("cannot read {}", path.display()), e))?;
    parse_public_key(&text).map_err(|e| StoreError::Invalid(format!("{}: {e}", path.display())))
}

fn read_key(path: &Path) -> Result<SigningKey> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StoreError::io(format!("cannot read {}", path.display()), e))?;
    let mut seed = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut seed).map_err(|_| {
        StoreError::Invalid(format!(
            "{} is not a checkpoint key (64 hex digits expected)",
            path.display()
        ))
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| StoreError::io(format!("cannot create {}", path.display()), e))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| StoreError::io(format!("cannot write {}", path.display()), e))
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| StoreError::io(format!("cannot restrict {}", path.display()), e))
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) -> Result<()> {
    Ok(())
}

impl Store {
    pub fn key_dir(&self) -> Option<&PathBuf> {
        self.key_dir.as_ref()
    }

    async fn signing_key(&self) -> Result<SigningKey> {
        let dir = self.key_dir.as_ref().ok_or_else(|| {
            StoreError::Invalid(
                "no key folder configured for checkpoints: pass --key-dir (or key_dir in the config file)"
                    .into(),
            )
        })?;
        if !dir.join(KEY_FILE).exists() && !self.checkpoints().await?.is_empty() {
            // A new key would make every earlier checkpoint look forged (e.g. after a restore).
            return Err(StoreError::Invalid(format!(
                "检查点已由另一把密钥签署：请把原密钥文件 {KEY_FILE} 放入 {}（恢复备份后尤须如此）",
                dir.display()
            )));
        }
        load_or_create_key(dir)
    }

    /// The checkpoints recorded in the key folder's log: (region, height, head).
    pub(crate) fn logged_checkpoints(&self) -> Result<Vec<(String, i64, String)>> {
        let Some(dir) = &self.key_dir else {
            return Ok(Vec::new());
        };
        let path = dir.join(CHECKPOINT_LOG);
        if !path.exists() {
            return Ok(Vec::new());
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| StoreError::io(format!("cannot read {}", path.display()), e))?;
        Ok(text
            .lines()
            .filter_map(|line| {
                let mut parts = line.split('\t');
                let region = parts.next()?.to_string();
                let height = parts.next()?.parse().ok()?;
                let head = parts.next()?.to_string();
                Some((region, height, head))
            })
            .collect())
    }

    fn log_checkpoints(&self, made: &[Checkpoint]) -> Result<()> {
        use std::io::Write;
        let Some(dir) = &self.key_dir else {
            return Ok(());
        };
        let path = dir.join(CHECKPOINT_LOG);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| StoreError::io(format!("cannot open {}", path.display()), e))?;
        for c in made {
            writeln!(
                file,
                "{}\t{}\t{}\t{}\t{}",
                c.region,
                c.height,
                hex::encode(c.head),
                c.at.0,
                hex::encode(&c.signature)
            )
            .map_err(|e| StoreError::io(format!("cannot write {}", path.display()), e))?;
        }
        file.sync_all()
            .map_err(|e| StoreError::io(format!("cannot sync {}", path.display()), e))
    }

    /// The key checkpoints must be signed with: the installation's own (from its private key
    /// file, else from its public key file `checkpoint.pub`), if its key folder has one.
    fn trusted_public_key(&self) -> Result<Option<VerifyingKey>> {
        let Some(dir) = &self.key_dir else {
            return Ok(None);
        };
        let path = dir.join(KEY_FILE);
        if path.exists() {
            return Ok(Some(read_key(&path)?.verifying_key()));
        }
        let public = dir.join(PUBLIC_KEY_FILE);
        if public.exists() {
            return read_public_key(&public).map(Some);
        }
        Ok(None)
    }

    /// Signs and records each region's current head (skipping regions already checkpointed at
    /// their current height). Returns the new checkpoints.
    pub async fn checkpoint(&self) -> Result<Vec<Checkpoint>> {
        self.checkpoint_where(&|_| true).await
    }

    /// [`Store::checkpoint`] for the regions `include` accepts (an administrator's own).
    pub async fn checkpoint_where(
        &self,
        include: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<Checkpoint>> {
        let key = self.signing_key().await?;
        // Never sign a head that does not verify: that would bless a tampered chain. What came
        // before a region's latest checkpoint is already signed (and `verify` re-proves it), so
        // only what was written since is walked: a periodic checkpoint of a province's store
        // reads the last hours' events, not ten million. Only the heads of the verified
        // snapshot are signed (writes may land meanwhile).
        let report = self.verify_since_checkpoints().await?;
        if let Some(fault) = report.fault {
            return Err(StoreError::Invalid(format!(
                "事件链未通过校验，拒绝签署检查点：{fault}"
            )));
        }
        let public_key = key.verifying_key().to_bytes().to_vec();
        let signed: std::collections::BTreeSet<(String, i64)> = self
            .checkpoints()
            .await?
            .into_iter()
            .map(|c| (c.region, c.height))
            .collect();
        let heads: Vec<(String, i64, Vec<u8>)> = report
            .heads
            .into_iter()
            .filter(|(region, (height, _))| !signed.contains(&(region.clone(), *height)))
            .map(|(region, (height, hash))| (region, height, hash))
            .collect();
        let at = self.now();
        let mut batch = WriteBatch::new();
        let mut made = Vec::new();
        for (region, height, hash) in heads.into_iter().filter(|(r, _, _)| include(r)) {
            let head = to_hash(&hash)?;
            let signature = checkpoint::sign(&key, &region, height, &head, at).to_vec();
            batch = batch.insert(
                "checkpoints",
                vec![
                    ("region", region.clone().into()),
                    ("height", height.into()),
                    ("head", head.to_vec().into()),
                    ("at_us", at.0.into()),
                    ("public_key", public_key.clone().into()),
                    ("signature", signature.clone().into()),
                ],
            );
            made.push(Checkpoint {
                region,
                height,
                head,
                at,
                public_key: public_key.clone(),
                signature,
            });
        }
        if !made.is_empty() {
            self.submit(batch).await?;
            self.log_checkpoints(&made)?;
        }
        Ok(made)
    }

    pub async fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
        let rows: Vec<CheckpointRow> = on_db!(&self.db, pool => {
            sqlx::query_as(
                "SELECT region, height, head, at_us, public_key, signature FROM checkpoints ORDER BY region, height",
            )
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(region, height, head, at, public_key, signature)| {
                Ok(Checkpoint {
                    region,
                    height,
                    head: to_hash(&head)?,
                    at: Timestamp(at),
                    public_key,
                    signature,
                })
            })
            .collect()
    }

    /// Recomputes every chain and checks the chain heads and checkpoints, against the
    /// installation's own key (see [`Store::verify_against`]).
    pub async fn verify(&self) -> Result<VerifyReport> {
        self.verify_against(None).await
    }

    /// [`Store::verify`] with a trust anchor: every checkpoint must be signed with `anchor`
    /// (an outside auditor's copy of the published public key) or, without one, with the
    /// installation's own key from its key folder. With neither, signatures are checked only
    /// against the keys stored beside them — which a rewritten, re-signed history passes —
    /// and the report says so (`trusted_key` false).
    ///
    /// After the chains, the rows people read are compared with what their events vouch for
    /// ([`Store::verify_rows`]); a difference is the report's fault like an altered event.
    pub async fn verify_against(&self, anchor: Option<VerifyingKey>) -> Result<VerifyReport> {
        let mut report = self.verify_chains(anchor).await?;
        if report.fault.is_none() {
            let rows = self.verify_rows().await?;
            report.fault = rows.fault.clone();
            report.rows = Some(rows);
        }
        Ok(report)
    }

    /// The chains and checkpoints alone (what [`Store::verify_against`] does before the rows).
    pub async fn verify_chains(&self, anchor: Option<VerifyingKey>) -> Result<VerifyReport> {
        let trusted = match anchor {
            Some(key) => Some(key),
            None => self.trusted_public_key()?,
        };
        let mut checkpoints: BTreeMap<String, Vec<Checkpoint>> = BTreeMap::new();
        for c in self.checkpoints().await? {
            checkpoints.entry(c.region.clone()).or_default().push(c);
        }
        let mut walk = Walk::new(trusted, checkpoints);
        // Heads and events are read in one transaction, from one snapshot: writes that land
        // meanwhile (the server keeps running) are neither half-seen nor taken for tampering.
        let snapshot_heads;
        let fault: Option<Fault> = if let crate::Location::DataDir(dir) = &self.location {
            let path = dir.join(crate::db::SQLITE_FILE);
            let (returned, heads, fault) =
                tokio::task::spawn_blocking(move || walk_sqlite(&path, walk))
                    .await
                    .map_err(|e| StoreError::Invalid(format!("verification stopped: {e}")))??;
            walk = returned;
            snapshot_heads = heads;
            fault
        } else {
            let (heads, fault) = self.walk_with_sqlx(&mut walk, None).await?;
            snapshot_heads = heads;
            fault
        };
        self.finish_report(walk, fault, snapshot_heads).await
    }
}

impl Store {
    /// Verifies what was written since each region's latest checkpoint: that checkpoint's
    /// signature, then every later event (hash, link to the signed head, sequence), the
    /// recorded chain heads and the checkpoint log; regions without a checkpoint from their
    /// first event. [`Store::verify`] is the full proof; this is what signing a new
    /// checkpoint needs, in time proportional to the events since the last one.
    pub async fn verify_since_checkpoints(&self) -> Result<VerifyReport> {
        let trusted = self.trusted_public_key()?;
        let mut latest: BTreeMap<String, Checkpoint> = BTreeMap::new();
        for c in self.checkpoints().await? {
            latest.insert(c.region.clone(), c);
        }
        if latest.is_empty() {
            // Nothing signed yet: the whole log is new, and the full walk reads it fastest.
            return self.verify().await;
        }
        let mut walk = Walk::new(trusted, BTreeMap::new());
        let (heads, fault) = self.walk_with_sqlx(&mut walk, Some(latest)).await?;
        self.finish_report(walk, fault, heads).await
    }

    /// Walks the chains through sqlx in one read transaction (one snapshot: writes that land
    /// meanwhile are neither half-seen nor taken for tampering): every event in (region, seq)
    /// order, or, given each region's latest checkpoint, only the events after it.
    async fn walk_with_sqlx(
        &self,
        walk: &mut Walk,
        since: Option<BTreeMap<String, Checkpoint>>,
    ) -> Result<(Heads, Option<Fault>)> {
        let postgres = matches!(self.engine(), crate::Engine::Postgres);
        on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            if postgres {
                sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .execute(&mut *tx)
                    .await?;
            }
            let rows: Vec<(String, i64, Vec<u8>)> =
                sqlx::query_as("SELECT region, height, hash FROM chain_heads").fetch_all(&mut *tx).await?;
            walk.heads = rows.into_iter().map(|(r, h, x)| (r, (h, x))).collect();
            let heads = walk.heads.clone();
            let mut fault = None;
            match since {
                None => {
                    let sql = format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY region, seq");
                    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
                    while let Some(row) = rows.try_next().await? {
                        if let Err(f) = walk.event(&event_from_row(&row)?.as_stored()) {
                            fault = Some(f);
                            break;
                        }
                    }
                }
                Some(latest) => {
                    fault = walk.resume_after(latest).err();
                    let regions: Vec<String> = walk.heads.keys().cloned().collect();
                    let sql = format!(
                        "SELECT {EVENT_COLUMNS} FROM events WHERE region = $1 AND seq > $2 ORDER BY seq"
                    );
                    'regions: for region in regions {
                        if fault.is_some() {
                            break;
                        }
                        let after = walk.resume.get(&region).map_or(0, |(height, _)| *height);
                        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                            .bind(&region)
                            .bind(after)
                            .fetch(&mut *tx);
                        while let Some(row) = rows.try_next().await? {
                            if let Err(f) = walk.event(&event_from_row(&row)?.as_stored()) {
                                fault = Some(f);
                                break 'regions;
                            }
                        }
                    }
                }
            }
            tx.rollback().await?;
            Ok((heads, fault))
        })
    }

    /// The checks after the walk (chain ends, the checkpoint log, stored files), and the report.
    async fn finish_report(
        &self,
        mut walk: Walk,
        fault: Option<Fault>,
        heads: Heads,
    ) -> Result<VerifyReport> {
        let fault = match fault {
            Some(f) => Some(f),
            None => walk.finish().err(),
        };
        let fault = match fault {
            Some(f) => Some(f),
            None => self.missing_logged_checkpoint().await?,
        };
        let fault = fault.or_else(|| {
            walk.files.iter().find_map(|(region, seq, sha256)| {
                self.check_file(sha256).map(|what| Fault {
                    region: region.clone(),
                    seq: Some(*seq),
                    what,
                })
            })
        });
        walk.summaries.sort_by(|a, b| a.region.cmp(&b.region));
        Ok(VerifyReport {
            regions: walk.summaries,
            fault,
            heads,
            trusted_key: walk.trusted.is_some(),
            rows: None,
        })
    }
}

type Heads = BTreeMap<String, (i64, Vec<u8>)>;

/// Rows per hand-over from the reading thread to the checking one.
const VERIFY_BATCH: usize = 2_048;

/// Rows copied out of SQLite for the checking thread: the five text columns of every row end to
/// end in one buffer (one allocation per batch instead of seven per row), the rest inline.
struct RawBatch {
    text: Vec<u8>,
    rows: Vec<RawRow>,
}

struct RawRow {
    seq: i64,
    at: i64,
    /// Where region, subject, kind, actor and payload end in [`RawBatch::text`].
    ends: [usize; 5],
    prev_hash: Hash32,
    hash: Hash32,
}

impl RawBatch {
    /// Row `index` borrowed as an event; text that is not UTF-8 was not written by Fazhi.
    fn event(&self, index: usize) -> Result<StoredEvent<'_>, Fault> {
        let row = &self.rows[index];
        let start = if index == 0 {
            0
        } else {
            self.rows[index - 1].ends[4]
        };
        let mut texts = [""; 5];
        let mut from = start;
        for (text, &end) in texts.iter_mut().zip(&row.ends) {
            *text = std::str::from_utf8(&self.text[from..end]).map_err(|_| Fault {
                region: String::from_utf8_lossy(&self.text[start..row.ends[0]]).into_owned(),
                seq: Some(row.seq),
                what: "the event's text is not valid UTF-8: it was changed outside Fazhi".into(),
            })?;
            from = end;
        }
        let [region, subject, kind, actor, payload] = texts;
        Ok(StoredEvent {
            fields: EventFields {
                region,
                seq: row.seq,
                subject,
                kind,
                actor,
                at: Timestamp(row.at),
                payload,
            },
            prev_hash: row.prev_hash,
            hash: row.hash,
        })
    }
}

/// Walks a SQLite store's chains straight from the file: one thread reads rows through SQLite's
/// C API (rusqlite) inside one read transaction (a snapshot, as on PostgreSQL) and copies their
/// bytes out, another checks them (UTF-8, hashes, links, checkpoints), so reading and hashing
/// overlap on two cores.
fn walk_sqlite(path: &Path, mut walk: Walk) -> Result<(Walk, Heads, Option<Fault>)> {
    use rusqlite::OpenFlags;
    use rusqlite::types::ValueRef;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // Pages are read from the mapped file rather than copied in by a system call each.
    conn.execute_batch(&format!(
        "PRAGMA cache_size = -64000; PRAGMA mmap_size = {VERIFY_MMAP_BYTES}; BEGIN"
    ))?;
    let mut heads = Heads::new();
    {
        let mut statement = conn.prepare("SELECT region, height, hash FROM chain_heads")?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            heads.insert(row.get(0)?, (row.get(1)?, row.get(2)?));
        }
    }
    walk.heads = heads.clone();
    let (sender, receiver) = std::sync::mpsc::sync_channel::<RawBatch>(8);
    // Checked batches go back to the reader to be filled again: fresh megabyte buffers would
    // cost a page fault per 4 KiB and a copy at every doubling.
    let (recycle, recycled) = std::sync::mpsc::channel::<RawBatch>();
    let (walk, fault) = std::thread::scope(|scope| -> Result<(Walk, Option<Fault>)> {
        let checker = scope.spawn(move || {
            for batch in receiver {
                for index in 0..batch.rows.len() {
                    if let Err(fault) = batch.event(index).and_then(|event| walk.event(&event)) {
                        return (walk, Some(fault));
                    }
                }
                let _ = recycle.send(batch);
            }
            (walk, None)
        });
        let next_batch = || match recycled.try_recv() {
            Ok(mut batch) => {
                batch.text.clear();
                batch.rows.clear();
                batch
            }
            Err(_) => RawBatch {
                text: Vec::with_capacity(VERIFY_BATCH * 1_024),
                rows: Vec::with_capacity(VERIFY_BATCH),
            },
        };
        let read = (|| -> Result<()> {
            let mut statement = conn.prepare(&format!(
                "SELECT {EVENT_COLUMNS} FROM events ORDER BY region, seq"
            ))?;
            let mut rows = statement.query([])?;
            let mut batch = next_batch();
            while let Some(row) = rows.next()? {
                let mut ends = [0; 5];
                for (end, column) in ends.iter_mut().zip([0, 2, 3, 4, 6]) {
                    match row.get_ref(column)? {
                        ValueRef::Text(bytes) => batch.text.extend_from_slice(bytes),
                        _ => {
                            return Err(StoreError::Invalid(format!(
                                "events: column {column} of event {}/{} is not text",
                                String::from_utf8_lossy(
                                    row.get_ref(0)?.as_bytes().unwrap_or_default()
                                ),
                                row.get::<_, i64>(1)?
                            )));
                        }
                    }
                    *end = batch.text.len();
                }
                batch.rows.push(RawRow {
                    seq: row.get(1)?,
                    at: row.get(5)?,
                    ends,
                    prev_hash: to_hash(row.get_ref(7)?.as_bytes().unwrap_or_default())?,
                    hash: to_hash(row.get_ref(8)?.as_bytes().unwrap_or_default())?,
                });
                // A checker that stopped at a fault hangs up: stop reading.
                if batch.rows.len() == VERIFY_BATCH
                    && sender
                        .send(std::mem::replace(&mut batch, next_batch()))
                        .is_err()
                {
                    return Ok(());
                }
            }
            let _ = sender.send(batch);
            Ok(())
        })();
        drop(sender);
        let (walk, fault) = checker.join().expect("the checking thread does not panic");
        read?;
        Ok((walk, fault))
    })?;
    conn.execute_batch("ROLLBACK")?;
    Ok((walk, heads, fault))
}

/// How much of the database file verification maps into memory (SQLite caps it at its
/// compile-time maximum; the rest is read as usual).
const VERIFY_MMAP_BYTES: i64 = 1 << 40;

impl Store {
    /// A checkpoint in the key folder's log that the database no longer has.
    async fn missing_logged_checkpoint(&self) -> Result<Option<Fault>> {
        let logged = self.logged_checkpoints()?;
        if logged.is_empty() {
            return Ok(None);
        }
        let stored = self.checkpoints().await?;
        // Checkpoints a restore of an older backup recorded as superseded (`audit.restored`).
        let restores: Vec<String> = on_db!(&self.db, pool => {
            sqlx::query_scalar("SELECT payload FROM events WHERE kind = 'audit.restored'")
                .fetch_all(pool)
                .await?
        });
        let superseded: Vec<(String, i64, String)> = restores
            .iter()
            .filter_map(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .filter_map(|p| {
                serde_json::from_value::<Vec<(String, i64, String)>>(p["superseded"].clone()).ok()
            })
            .flatten()
            .collect();
        for (region, height, head) in logged {
            if superseded
                .iter()
                .any(|s| s.0 == region && s.1 == height && s.2 == head)
            {
                continue;
            }
            let present = stored
                .iter()
                .any(|c| c.region == region && c.height == height && hex::encode(c.head) == head);
            if !present {
                return Ok(Some(Fault {
                    region,
                    seq: Some(height),
                    what: format!(
                        "a checkpoint signed for height {height} (head {}) is missing from the database: checkpoints were deleted or history was cut back",
                        &head[..16.min(head.len())]
                    ),
                }));
            }
        }
        Ok(None)
    }
}

struct RegionWalk {
    region: String,
    verifier: ChainVerifier,
    checkpoints: std::vec::IntoIter<Checkpoint>,
    next_checkpoint: Option<Checkpoint>,
    checked: usize,
}

struct Walk {
    /// Regions whose chain is picked up after their latest checkpoint (height, head) rather
    /// than from the first event.
    resume: BTreeMap<String, (i64, Hash32)>,
    trusted: Option<VerifyingKey>,
    heads: BTreeMap<String, (i64, Vec<u8>)>,
    checkpoints: BTreeMap<String, Vec<Checkpoint>>,
    current: Option<RegionWalk>,
    summaries: Vec<RegionSummary>,
    /// Files recorded on the chains (region, seq of the `file.stored` event, hash), checked on
    /// disk once the chains are known to be intact.
    files: Vec<(String, i64, String)>,
}

impl Walk {
    fn new(trusted: Option<VerifyingKey>, checkpoints: BTreeMap<String, Vec<Checkpoint>>) -> Self {
        Walk {
            resume: BTreeMap::new(),
            trusted,
            heads: BTreeMap::new(),
            checkpoints,
            current: None,
            summaries: Vec::new(),
            files: Vec::new(),
        }
    }

    fn event(&mut self, stored: &StoredEvent<'_>) -> Result<(), Fault> {
        let event = &stored.fields;
        if self.current.as_ref().map(|c| c.region.as_str()) != Some(event.region) {
            self.finish_region()?;
            // Regions that have checkpoints or heads but sort before this one have lost all events.
            self.check_vanished_before(event.region)?;
            let mut checkpoints = self
                .checkpoints
                .remove(event.region)
                .unwrap_or_default()
                .into_iter();
            let next_checkpoint = checkpoints.next();
            let verifier = match self.resume.remove(event.region) {
                Some((height, head)) => ChainVerifier::resume(height, head),
                None => ChainVerifier::default(),
            };
            self.current = Some(RegionWalk {
                region: event.region.to_string(),
                verifier,
                checkpoints,
                next_checkpoint,
                checked: 0,
            });
        }
        if event.kind == "file.stored"
            && let Ok(payload) = serde_json::from_str::<serde_json::Value>(event.payload)
            && let Some(sha256) = payload["sha256"].as_str()
        {
            self.files
                .push((event.region.to_string(), event.seq, sha256.to_string()));
        }
        let trusted = self.trusted;
        let walk = self.current.as_mut().expect("set above");
        walk.verifier.check_stored(stored).map_err(|fault| Fault {
            region: event.region.to_string(),
            seq: Some(event.seq),
            what: fault.to_string(),
        })?;
        while let Some(c) = walk.next_checkpoint.take() {
            if c.height != event.seq {
                walk.next_checkpoint = Some(c);
                break;
            }
            check_checkpoint(&c, &stored.hash, trusted.as_ref()).map_err(|what| Fault {
                region: event.region.to_string(),
                seq: Some(event.seq),
                what,
            })?;
            walk.checked += 1;
            walk.next_checkpoint = walk.checkpoints.next();
        }
        Ok(())
    }

    /// Sets the walk to pick each region up after its latest checkpoint, once the checkpoint's
    /// signature holds and the recorded head has not gone below it. A region with nothing
    /// written since is done: its recorded head must be the signed one.
    fn resume_after(&mut self, latest: BTreeMap<String, Checkpoint>) -> Result<(), Fault> {
        for (region, c) in latest {
            let fault = |what: String| Fault {
                region: region.clone(),
                seq: Some(c.height),
                what,
            };
            check_checkpoint(&c, &c.head, self.trusted.as_ref()).map_err(fault)?;
            match self.heads.get(&region) {
                None => {
                    return Err(fault(format!(
                        "a checkpoint records height {} but the region has no chain head: its events were deleted",
                        c.height
                    )));
                }
                Some((height, _)) if *height < c.height => {
                    return Err(fault(format!(
                        "a checkpoint records height {} but the chain head is at {height}: events were deleted",
                        c.height
                    )));
                }
                Some((height, hash)) if *height == c.height => {
                    if hash.as_slice() != c.head.as_slice() {
                        return Err(fault(
                            "the recorded chain head differs from the signed one at the same height: history was rewritten".into(),
                        ));
                    }
                    self.heads.remove(&region);
                    self.summaries.push(RegionSummary {
                        region,
                        events: c.height,
                        checkpoints: 0,
                    });
                }
                Some(_) => {
                    self.resume.insert(region, (c.height, c.head));
                }
            }
        }
        Ok(())
    }

    fn check_vanished_before(&mut self, region: &str) -> Result<(), Fault> {
        let vanished = self
            .heads
            .keys()
            .chain(self.checkpoints.keys())
            .filter(|r| r.as_str() < region)
            .min()
            .cloned();
        match vanished {
            Some(r) => Err(vanished_fault(&r, &self.heads, &self.checkpoints)),
            None => Ok(()),
        }
    }

    fn finish_region(&mut self) -> Result<(), Fault> {
        let Some(walk) = self.current.take() else {
            return Ok(());
        };
        let height = walk.verifier.height();
        if let Some(c) = walk.next_checkpoint {
            return Err(Fault {
                region: walk.region,
                seq: Some(height + 1),
                what: format!(
                    "a checkpoint records height {} but the chain ends at {height}: events were deleted",
                    c.height
                ),
            });
        }
        match self.heads.remove(&walk.region) {
            Some((recorded, hash)) if recorded != height || hash != walk.verifier.head() => {
                return Err(Fault {
                    region: walk.region,
                    seq: Some(height.min(recorded) + 1),
                    what: format!(
                        "the recorded chain head is at height {recorded} but the events end at {height}{}",
                        if recorded == height {
                            " with a different hash"
                        } else {
                            ""
                        }
                    ),
                });
            }
            Some(_) => {}
            None => {
                return Err(Fault {
                    region: walk.region,
                    seq: None,
                    what: "events exist but no chain head was recorded: the region's events were inserted outside Fazhi".into(),
                });
            }
        }
        self.summaries.push(RegionSummary {
            region: walk.region,
            events: height,
            checkpoints: walk.checked,
        });
        Ok(())
    }

    fn finish(&mut self) -> Result<(), Fault> {
        self.finish_region()?;
        let vanished = self
            .heads
            .keys()
            .chain(self.checkpoints.keys())
            .min()
            .cloned();
        match vanished {
            Some(r) => Err(vanished_fault(&r, &self.heads, &self.checkpoints)),
            None => Ok(()),
        }
    }
}

fn vanished_fault(
    region: &str,
    heads: &BTreeMap<String, (i64, Vec<u8>)>,
    checkpoints: &BTreeMap<String, Vec<Checkpoint>>,
) -> Fault {
    let height = heads
        .get(region)
        .map(|h| h.0)
        .or_else(|| {
            checkpoints
                .get(region)
                .and_then(|c| c.last())
                .map(|c| c.height)
        })
        .unwrap_or(0);
    Fault {
        region: region.to_string(),
        seq: Some(1),
        what: format!(
            "the chain should hold {height} events but none are left: events were deleted"
        ),
    }
}

fn check_checkpoint(
    c: &Checkpoint,
    event_hash: &Hash32,
    trusted: Option<&VerifyingKey>,
) -> Result<(), String> {
    if &c.head != event_hash {
        return Err(format!(
            "the checkpoint of {} says the head at height {} was {}, the chain now has {}: history was rewritten",
            c.at.to_rfc3339(),
            c.height,
            hex::encode(&c.head[..8]),
            hex::encode(&event_hash[..8])
        ));
    }
    let key = match trusted {
        Some(key) => {
            if key.to_bytes().as_slice() != c.public_key.as_slice() {
                return Err(format!(
                    "the checkpoint at height {} was signed with a key that is not this installation's",
                    c.height
                ));
            }
            *key
        }
        None => {
            let bytes = <[u8; 32]>::try_from(c.public_key.as_slice()).map_err(|_| {
                format!("the checkpoint at height {} has a malformed key", c.height)
            })?;
            VerifyingKey::from_bytes(&bytes)
                .map_err(|_| format!("the checkpoint at height {} has a malformed key", c.height))?
        }
    };
    if !checkpoint::verify(&key, &c.region, c.height, &c.head, c.at, &c.signature) {
        return Err(format!(
            "the checkpoint at height {} has an invalid signature: it was altered",
            c.height
        ));
    }
    Ok(())
}
