//! Where settings come from: command-line flags, then environment variables, then the config
//! file (`--config FILE` or `FAZHI_CONFIG`), then defaults. A config file with an unknown key
//! or a wrong type is refused with its path, line and the key.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The data folder for the embedded SQLite store (and attachments, keys).
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` to use PostgreSQL instead of the data folder.
    pub database_url: Option<String>,
    /// Where the checkpoint signing key lives (default: `DATA/keys`).
    pub key_dir: Option<PathBuf>,
    /// Where stored files (attachments, documents) live (default: `DATA/files`; required
    /// with PostgreSQL for attachments).
    pub files_dir: Option<PathBuf>,
    /// Folder of procedure definitions adding to or replacing the embedded ones.
    pub procedures_dir: Option<PathBuf>,
    /// Report files replacing or adding to the shipped ones (`<code>.toml`).
    pub reports_dir: Option<PathBuf>,
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    pub listen: Option<String>,
    /// Mark session cookies `Secure` (when served over TLS).
    pub secure_cookies: Option<bool>,
    /// Trust `X-Forwarded-For` from a reverse proxy.
    pub trust_proxy: Option<bool>,
    /// The bearer token a Prometheus scraper presents for `/metrics` (without it, only this
    /// machine may read them).
    pub metrics_token: Option<String>,
    /// Post deadline alerts (临期/超期) to this URL as signed JSON (e.g. an SMS gateway).
    pub alert_webhook: Option<String>,
    /// The shared secret that signs webhook bodies (`X-Fazhi-Signature: sha256=…`).
    pub webhook_secret: Option<String>,
    /// The intranet's SMTP relay for e-mail notifications: host, port (25) and sender.
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_from: Option<String>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<FileConfig> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("无法读取配置文件 {}", path.display()))?;
        match toml::from_str(&text) {
            Ok(config) => Ok(config),
            Err(e) => bail!("配置文件 {} 有误：{e}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_file_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fazhi.toml");
        std::fs::write(
            &path,
            "database_url = \"postgres://h/db\"\nlisten = \"0.0.0.0:80\"\n",
        )
        .unwrap();
        let config = FileConfig::load(Some(&path)).unwrap();
        assert_eq!(config.database_url.as_deref(), Some("postgres://h/db"));
        assert_eq!(config.listen.as_deref(), Some("0.0.0.0:80"));
    }

    #[test]
    fn mistakes_are_named_with_their_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fazhi.toml");
        std::fs::write(&path, "listen = \"x\"\ndatabse_url = \"postgres://h/db\"\n").unwrap();
        let message = FileConfig::load(Some(&path)).unwrap_err().to_string();
        assert!(message.contains("fazhi.toml"), "{message}");
        assert!(message.contains("databse_url"), "{message}");
        assert!(message.contains("line 2"), "{message}");

        std::fs::write(&path, "secure_cookies = \"yes\"\n").unwrap();
        let message = FileConfig::load(Some(&path)).unwrap_err().to_string();
        assert!(message.contains("secure_cookies"), "{message}");
        assert!(FileConfig::load(Some(&dir.path().join("missing.toml"))).is_err());
    }
}
