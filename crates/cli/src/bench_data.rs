//! The benchmark's data: generated districts at three scales (design.md §4), loaded in bulk.
//!
//! Each district gets the demo's offices (government office, justice bureau, petitions bureau,
//! legal-aid centre, a mediation committee per street) and copies of the demo's remedies
//! records — the same generator with other seeds, so the same mix of procedures, steps,
//! clocks and field values. The engine decides every step in memory
//! ([`App::history`]) and the store appends whole histories per transaction
//! ([`Store::load_history`]): every event is hash-chained as usual, so `fazhi audit verify`
//! accepts the result.

use crate::demo_remedies::{Office, Offices, Plan};
use anyhow::{Context, Result, anyhow};
use fazhi_app::App;
use fazhi_app::cases::HistoryStep;
use fazhi_core::engine::Actor;
use fazhi_core::org::DepartmentKind;
use fazhi_core::procedure::Definition;
use fazhi_core::region::RegionCode;
use fazhi_store::{Store, WriteBatch};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// How much data a benchmark run holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// One district.
    District,
    /// A city of 10 districts.
    City,
    /// A province of 100 districts (10 cities).
    Province,
}

impl Scale {
    pub fn districts(self) -> usize {
        match self {
            Scale::District => 1,
            Scale::City => 10,
            Scale::Province => 100,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scale::District => "district",
            Scale::City => "city",
            Scale::Province => "province",
        }
    }
}

/// Copies of the demo's remedies records per district: 28 × ~3,560 steps ≈ 10^5 events, a
/// district's yearly volume in the scale model (design.md §4).
pub const COPIES_PER_DISTRICT: usize = 28;

/// One case in this many is left open, part-way through its steps.
const OPEN_EVERY: usize = 30;

/// Cases per bulk transaction.
const CASES_PER_LOAD: usize = 2_000;

/// What was generated.
pub struct Generated {
    /// The region holding all generated districts (the province, the city, or the district).
    pub top: RegionCode,
    pub districts: Vec<RegionCode>,
    pub cases: usize,
    pub events: usize,
    pub seconds: f64,
}

const ACTOR: &str = "system:bench";
const PROVINCE: &str = "980000";

/// The departments of a generated district: (code, name).
const OFFICES: &[(&str, &str)] = &[
    ("zfb", "区政府办公室"),
    ("sfj", "司法局"),
    ("xfj", "信访局"),
    ("flyz", "法律援助中心"),
];
const STREETS: &[&str] = &["城关街道", "海滨街道", "山前街道"];

/// Creates the regions and offices of `scale`, then loads `copies` copies of the demo's records
/// into each district.
pub async fn generate(app: &App, scale: Scale, copies: usize) -> Result<Generated> {
    let store = app.store();
    let started = Instant::now();
    let province = RegionCode::parse(PROVINCE)?;
    store
        .add_region(ACTOR, &province, "基准测试省", None)
        .await?;
    let cities = scale.districts().div_ceil(10);
    let mut district_codes = Vec::new();
    for c in 1..=cities {
        let city = RegionCode::parse(&format!("98{c:02}00"))?;
        store
            .add_region(ACTOR, &city, &format!("基准测试{c}市"), Some(&province))
            .await?;
        for d in 1..=scale.districts().min(10) {
            district_codes.push((city.clone(), RegionCode::parse(&format!("98{c:02}{d:02}"))?));
        }
    }
    let top = match scale {
        Scale::District => district_codes[0].1.clone(),
        Scale::City => district_codes[0].0.clone(),
        Scale::Province => province,
    };

    // Districts and their offices, set up concurrently (the store group-commits them).
    let mut tasks = Vec::new();
    for (city, district) in district_codes.clone() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            district_offices(&store, &city, &district).await
        }));
    }
    let mut offices = Vec::new();
    for task in tasks {
        offices.push(Arc::new(task.await??));
    }

    // Plans are made and decided on a blocking thread, while the store writes the previous load.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<WriteBatch>>(2);
    let producer = {
        let app = app.clone();
        let calendar = app.calendar();
        let offices = offices.clone();
        tokio::task::spawn_blocking(move || -> Result<usize> {
            let mut definitions: HashMap<(&'static str, String), Arc<Definition>> = HashMap::new();
            let mut load = Vec::with_capacity(CASES_PER_LOAD);
            let mut cases = 0;
            for (d, offices) in offices.iter().enumerate() {
                for copy in 0..copies {
                    let seed = 0x5eed_0000_0000 ^ ((d as u64) << 20) ^ (copy as u64 + 1);
                    for (n, mut plan) in crate::demo_remedies::plans(seed, &calendar, offices)
                        .into_iter()
                        .enumerate()
                    {
                        // Some cases are still open at the end of the records, part-way through.
                        if n % OPEN_EVERY == 0 && plan.steps.len() > 1 {
                            plan.steps.truncate(plan.steps.len().div_ceil(2));
                        }
                        let batch = history(&app, &mut definitions, &plan)?;
                        load.push(batch);
                        cases += 1;
                        if load.len() == CASES_PER_LOAD
                            && tx.blocking_send(std::mem::take(&mut load)).is_err()
                        {
                            return Ok(cases);
                        }
                    }
                }
            }
            if !load.is_empty() {
                let _ = tx.blocking_send(load);
            }
            Ok(cases)
        })
    };
    let mut events = 0;
    while let Some(load) = rx.recv().await {
        events += store.load_history(load).await?;
    }
    let cases = producer.await??;
    Ok(Generated {
        top,
        districts: district_codes.into_iter().map(|(_, d)| d).collect(),
        cases,
        events,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A plan's whole history as one write.
fn history(
    app: &App,
    definitions: &mut HashMap<(&'static str, String), Arc<Definition>>,
    plan: &Plan,
) -> Result<WriteBatch> {
    let first = plan.steps.first().context("a plan without steps")?;
    let key = (plan.procedure, first.on.format("%Y").to_string());
    let definition = match definitions.get(&key) {
        Some(d) => d.clone(),
        None => {
            let d = Arc::new(
                app.procedures()
                    .current(plan.procedure, first.on)
                    .with_context(|| format!("no procedure definition “{}”", plan.procedure))?
                    .clone(),
            );
            definitions.insert(key, d.clone());
            d
        }
    };
    let steps: Vec<HistoryStep<'_>> = plan
        .steps
        .iter()
        .map(|s| HistoryStep {
            actor: if s.system {
                Actor::System
            } else {
                Actor::User(&plan.office.staff)
            },
            action: s.action,
            on: s.on,
            fields: s.fields.clone(),
        })
        .collect();
    app.history(
        &definition,
        &plan.office.region,
        Some(plan.office.department.clone()),
        &steps,
    )
    .map(|write| app.store().case_batch(&write))
    .map_err(|(i, refusal)| {
        anyhow!(
            "generated step refused: {} {} ({}): {refusal}",
            plan.procedure,
            plan.steps[i].action,
            plan.steps[i].on
        )
    })
}

async fn district_offices(
    store: &Store,
    city: &RegionCode,
    district: &RegionCode,
) -> Result<Offices> {
    let n = &district.as_str()[2..];
    store
        .add_region(ACTOR, district, &format!("基准测试{n}区"), Some(city))
        .await?;
    let mut departments = HashMap::new();
    for (code, name) in OFFICES {
        let d = store
            .add_department(ACTOR, district, code, name, DepartmentKind::Department)
            .await?;
        departments.insert(*code, d.id);
    }
    let office = |code: &str| -> Result<Office> {
        let department = departments[code].clone();
        Ok(Office {
            place: format!("基准测试{n}区"),
            region: district.clone(),
            staff: crate::demo::history_staff(&format!("bench-{code}-{n}"), district, &department)?,
            department,
        })
    };
    let mut committees = Vec::new();
    for (i, street) in STREETS.iter().enumerate() {
        let region = RegionCode::parse(&format!("{}{:03}", district.as_str(), i + 1))?;
        store
            .add_region(ACTOR, &region, street, Some(district))
            .await?;
        let d = store
            .add_department(
                ACTOR,
                &region,
                "tjwyh",
                &format!("{street}人民调解委员会"),
                DepartmentKind::Committee,
            )
            .await?;
        committees.push(Office {
            place: street.to_string(),
            staff: crate::demo::history_staff(&format!("bench-tjwyh-{n}-{i}"), &region, &d.id)?,
            region,
            department: d.id,
        });
    }
    Ok(Offices {
        government_office: office("zfb")?,
        justice: office("sfj")?,
        petitions: office("xfj")?,
        legal_aid: office("flyz")?,
        committees,
    })
}
