//! The benchmark's data: generated districts at three scales (design.md §4), loaded in bulk.
//!
//! Each district gets the demo's offices (government office, justice bureau, petitions bureau,
//! legal-aid centre, the ten enforcement bodies, a mediation committee per street) and copies of
//! the demo's records — the procedures' demo lines (`fazhi_app::district`) with other seeds, so
//! the same mix of procedures, steps, clocks and field values (each copy counts `{seq}` on, so
//! the certificates' numbers stay unique in the district). They are loaded by the demo's own
//! bulk path ([`district::load`]): the engine decides every step in memory, checking the
//! certificates the penalties name against those loaded before, and the store appends whole
//! histories per transaction; every event is hash-chained as usual, so `fazhi audit verify`
//! accepts the result.

use anyhow::Result;
use fazhi_app::App;
use fazhi_app::district::{self, Office};
use fazhi_core::org::DepartmentKind;
use fazhi_core::region::RegionCode;
use fazhi_store::Store;
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

/// Copies of the demo's records per district: 23 × ~4,320 steps ≈ 10^5 events, a district's
/// yearly volume in the scale model (design.md §4). (28 copies of the remedies records before
/// the enforcement records joined the demo lines.)
pub const COPIES_PER_DISTRICT: usize = 23;

/// One case in this many is left open, part-way through its steps.
const OPEN_EVERY: usize = 30;

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
        offices.push(task.await??);
    }

    // Histories are made lazily, district by district and copy by copy, while the store writes.
    let lines = fazhi_app::loading::demo_lines(None, app.procedures())?;
    let calendar = app.calendar();
    let today = app.today();
    let plans = offices
        .into_iter()
        .enumerate()
        .flat_map(move |(d, offices)| (0..copies).map(move |copy| (d, copy, offices.clone())))
        .flat_map(move |(d, copy, offices)| {
            let seed = 0x5eed_0000_0000 ^ ((d as u64) << 20) ^ (copy as u64 + 1);
            let draw = district::Draw { seed, today, copy };
            let mut plans: Vec<fazhi_app::Result<district::Plan>> = Vec::new();
            for l in &lines {
                match district::generate(l, draw, &calendar, &offices) {
                    Ok(p) => plans.extend(p.into_iter().map(Ok)),
                    Err(e) => plans.push(Err(e)),
                }
            }
            plans.into_iter().enumerate().map(|(n, plan)| {
                plan.map(|mut plan| {
                    // Some cases are still open at the end of the records, part-way through.
                    if n % OPEN_EVERY == 0 && plan.steps.len() > 1 {
                        plan.steps.truncate(plan.steps.len().div_ceil(2));
                    }
                    plan
                })
            })
        });
    let loaded = district::load(app, plans, None, |_| {}).await?;
    Ok(Generated {
        top,
        districts: district_codes.into_iter().map(|(_, d)| d).collect(),
        cases: loaded.cases,
        events: loaded.events,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A generated district with the offices of the demo's (`demo/district.toml`: its departments
/// that record history, and the committee in each of three streets), named after the district.
async fn district_offices(
    store: &Store,
    city: &RegionCode,
    district: &RegionCode,
) -> Result<Vec<Arc<Office>>> {
    let demo = district::DistrictFile::parse("demo/district.toml", district::DEMO_DISTRICT)?;
    let n = &district.as_str()[2..];
    let name = format!("基准测试{n}区");
    store.add_region(ACTOR, district, &name, Some(city)).await?;
    let mut offices = Vec::new();
    let mut made = Vec::new();
    for d in demo.department.iter().filter(|d| d.staff.is_some()) {
        let department = store
            .add_department(
                ACTOR,
                district,
                &d.code,
                &d.name.replace(&demo.district.name, &name),
                d.kind,
            )
            .await?;
        made.push((d, department.id));
    }
    let (district_actors, own) = district::actors_of(&made, district)?;
    for ((d, id), actors) in made.iter().zip(own) {
        offices.push(Arc::new(Office {
            code: d.code.clone(),
            place: name.clone(),
            region: district.clone(),
            staff: district::staff(&format!("bench-{}-{n}", d.code), district, id)?,
            department: id.clone(),
            people: d.people.clone(),
            weight: 1,
            actors,
        }));
    }
    if let Some(committee) = &demo.committee {
        for (i, street) in STREETS.iter().enumerate() {
            let region = RegionCode::parse(&format!("{}{:03}", district.as_str(), i + 1))?;
            store
                .add_region(ACTOR, &region, street, Some(district))
                .await?;
            let made = store
                .add_department(
                    ACTOR,
                    &region,
                    &committee.code,
                    &committee.name.replace("{street}", street),
                    DepartmentKind::Committee,
                )
                .await?;
            offices.push(Arc::new(Office {
                code: committee.code.clone(),
                place: street.to_string(),
                staff: district::staff(
                    &format!("bench-{}-{n}-{i}", committee.code),
                    &region,
                    &made.id,
                )?,
                region,
                department: made.id,
                people: Vec::new(),
                weight: 1,
                actors: district_actors.clone(),
            }));
        }
    }
    Ok(offices)
}
