//! What Fazhi does, between its edges and its store.
//!
//! The web layer and the command line parse input into typed calls on an [`App`] and render
//! what comes back; the store only reads and writes. This crate owns:
//! - the application context: the store, the procedure definitions and the official calendar
//!   in force ([`App`]), loaded from the embedded data and the installation's folders by one
//!   mechanism ([`loading`]);
//! - one path each to open a case, take an action on it and handle an expired clock
//!   ([`cases`]), with everything a write causes — its row, deadlines, public rows, who is
//!   told what — derived here as data ([`projection`], [`notices`]) and handed to the store
//!   as one [`fazhi_store::cases::CaseWrite`];
//! - the scheduler of timed actions and deadline alerts ([`scheduler`]);
//! - reports and statistics computed from the records ([`reports`]);
//! - generated districts (the demo's, the benchmark's) made from data files and loaded in
//!   bulk ([`district`]).
//!
//! Every domain refusal comes from the engine (`fazhi_core::engine`); this crate looks up the
//! outside facts the engine needs (certificates, departments, numbers already taken).
#![forbid(unsafe_code)]

pub mod annual_report;
pub mod cases;
pub mod district;
pub mod figures;
pub mod loading;
pub mod notices;
pub mod projection;
pub mod reports;
pub mod scenarios;
pub mod scheduler;

use chrono::NaiveDate;
use fazhi_core::calendar::Calendar;
use fazhi_core::engine::Refusal;
use fazhi_core::procedure::{Definition, Registry};
use fazhi_store::{Store, StoreError};
use std::sync::{Arc, RwLock};

/// Settings of the application.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    /// Where deadline alerts are also posted (signed webhook, e.g. an SMS gateway), if anywhere.
    pub alert_webhook: Option<String>,
    /// The installation's own report files (`<code>.toml`, replacing a shipped report of the
    /// same code), if any.
    pub reports_dir: Option<std::path::PathBuf>,
}

/// Why the application did not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The engine refused the command; the refusal says why, with its machine code.
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("{0}")]
    NotFound(String),
    /// The request is wrong in a way the engine does not judge (an unknown procedure, a year
    /// out of range); the message says what and where.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// The application context: the store, the definitions and the calendar in force. Cheap to
/// clone; clones share the calendar, so a year entered by an administrator is seen by all.
#[derive(Clone)]
pub struct App {
    store: Store,
    procedures: Arc<Registry>,
    documents: Arc<loading::Documents>,
    reports: Arc<Vec<figures::ReportSpec>>,
    /// Held while a report's figures are rebuilt, so that two requests do not both rebuild.
    figure_builds: Arc<tokio::sync::Mutex<()>>,
    /// What each report's figures rest on ([`figures::fingerprint`]), by report code.
    figure_fingerprints: Arc<std::collections::BTreeMap<String, String>>,
    calendar: Arc<RwLock<Arc<Calendar>>>,
    config: Arc<AppConfig>,
}

impl App {
    /// An application over these definitions, with the embedded templates of the documents
    /// they list ([`App::load`] also reads an installation's own, and refuses to start when a
    /// listed document has no template).
    pub fn new(store: Store, procedures: Registry, calendar: Calendar, config: AppConfig) -> App {
        let documents = loading::documents(None, &procedures).unwrap_or_else(|e| {
            tracing::error!(error = %e, "document templates");
            loading::Documents::default()
        });
        let reports = figures::load(config.reports_dir.as_deref()).unwrap_or_else(|e| {
            tracing::error!(error = %e, "report files");
            Vec::new()
        });
        App::of_parts(store, procedures, documents, reports, calendar, config)
    }

    fn of_parts(
        store: Store,
        procedures: Registry,
        documents: loading::Documents,
        reports: Vec<figures::ReportSpec>,
        calendar: Calendar,
        config: AppConfig,
    ) -> App {
        let figure_fingerprints = reports
            .iter()
            .map(|r| (r.report.code.clone(), figures::fingerprint(r, &procedures)))
            .collect();
        App {
            store,
            figure_fingerprints: Arc::new(figure_fingerprints),
            documents: Arc::new(documents),
            reports: Arc::new(reports),
            figure_builds: Arc::default(),
            procedures: Arc::new(procedures),
            calendar: Arc::new(RwLock::new(Arc::new(calendar))),
            config: Arc::new(config),
        }
    }

    /// An application over `store` with the embedded definitions plus those of
    /// `procedures_dir`, and the embedded calendar plus the years entered into the store.
    pub async fn load(
        store: Store,
        procedures_dir: Option<&std::path::Path>,
        config: AppConfig,
    ) -> Result<App> {
        let procedures = loading::procedures(procedures_dir).map_err(AppError::Invalid)?;
        let documents =
            loading::documents(procedures_dir, &procedures).map_err(AppError::Invalid)?;
        let reports = figures::load(config.reports_dir.as_deref()).map_err(AppError::Invalid)?;
        for report in &reports {
            figures::check(report, &procedures).map_err(AppError::Invalid)?;
        }
        let calendar = loading::calendar(&store).await?;
        let app = App::of_parts(store, procedures, documents, reports, calendar, config);
        for spec in app.reports.iter() {
            app.ensure_figures_built(spec).await?;
        }
        Ok(app)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn procedures(&self) -> &Arc<Registry> {
        &self.procedures
    }

    /// The templates of the documents the definitions list.
    pub fn documents(&self) -> &loading::Documents {
        &self.documents
    }

    /// A report the installation uses, by code.
    pub fn report(&self, code: &str) -> Result<&figures::ReportSpec> {
        self.reports
            .iter()
            .find(|r| r.report.code == code)
            .ok_or_else(|| AppError::NotFound(format!("没有报告“{code}”")))
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// The calendar in force (the embedded years plus any entered by an administrator).
    pub fn calendar(&self) -> Arc<Calendar> {
        self.calendar.read().expect("calendar lock").clone()
    }

    pub fn set_calendar(&self, calendar: Calendar) {
        *self.calendar.write().expect("calendar lock") = Arc::new(calendar);
    }

    /// Today in Beijing time, by the store's clock.
    pub fn today(&self) -> NaiveDate {
        self.store.today()
    }

    /// The definition a case runs under: the version it started with.
    pub fn definition(&self, procedure: &str, version: &str) -> Result<&Definition> {
        self.procedures.get(procedure, version).ok_or_else(|| {
            AppError::NotFound(format!("程序“{procedure}”没有版本“{version}”的定义"))
        })
    }

    /// The definition of a procedure in force on a day (a new case runs under it).
    pub fn definition_on(&self, procedure: &str, on: NaiveDate) -> Result<&Definition> {
        match self.procedures.in_force(procedure, on) {
            Some(definition) => Ok(definition),
            None => Err(AppError::Invalid(
                match self.procedures.current(procedure, on) {
                    Some(first) => format!(
                        "{on} 没有施行中的“{}”程序：最早的版本（{}）自 {} 起施行",
                        first.name.zh, first.basis, first.effective
                    ),
                    None => format!("没有程序“{procedure}”"),
                },
            )),
        }
    }
}
