//! The procedures' demo lines (`procedures/<code>/demo.toml`) are checked against their
//! definitions, a mistake named with file and line; the same seed gives the same records.

use fazhi_app::district::{self, Office, lines};
use fazhi_core::calendar::Calendar;
use fazhi_core::region::RegionCode;
use std::sync::Arc;

fn registry() -> fazhi_core::procedure::Registry {
    fazhi_app::loading::procedures(None).expect("the shipped definitions")
}

#[test]
fn the_shipped_lines_check_against_their_definitions() {
    let lines = fazhi_app::loading::demo_lines(None, &registry()).unwrap();
    let procedures: Vec<&str> = lines.iter().map(|l| l.procedure.as_str()).collect();
    for expected in ["legal_aid", "legal_consultation", "mediation", "petition"] {
        assert!(procedures.contains(&expected), "{procedures:?}");
    }
}

const WRONG: &str = r#"
[[line]]
name = "错误示例"
department = "flyz"
count = 1
opened = ["2019-01-07", "2019-12-20"]

[[line.steps]]
action = "record_answered"
fields = { channel = "by_pigeon", colour = "blue", topic = "{nonsense}" }

[[line.steps]]
action = "fly_away"
"#;

#[test]
fn a_mistake_is_named_with_file_and_line() {
    let error = lines::parse(
        "procedures/legal_consultation/demo.toml",
        "legal_consultation",
        WRONG,
        &registry(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("procedures/legal_consultation/demo.toml: line 10")
            && error.contains("“by_pigeon” is not a code of field “channel”"),
        "{error}"
    );
    assert!(error.contains("takes no field “colour”"), "{error}");
    assert!(
        error.contains("unknown placeholder “{nonsense}”"),
        "{error}"
    );
    assert!(
        error.contains("line 13") && error.contains("no action “fly_away”"),
        "{error}"
    );
}

fn offices() -> Vec<Arc<Office>> {
    let file = district::DistrictFile::parse("demo/district.toml", district::DEMO_DISTRICT)
        .expect("the demo district file");
    let region = RegionCode::parse(&file.district.code).unwrap();
    let mut offices: Vec<Arc<Office>> = file
        .department
        .iter()
        .filter(|d| d.staff.is_some())
        .map(|d| {
            Arc::new(Office {
                code: d.code.clone(),
                place: file.district.name.clone(),
                region: region.clone(),
                department: d.code.clone(),
                staff: district::staff("示例", &region, &d.code).unwrap(),
                people: d.people.clone(),
                weight: 1,
            })
        })
        .collect();
    let committee = file.committee.as_ref().unwrap();
    for street in &file.street {
        let region = RegionCode::parse(&street.code).unwrap();
        offices.push(Arc::new(Office {
            code: committee.code.clone(),
            place: street.name.clone(),
            staff: district::staff("示例", &region, &street.code).unwrap(),
            region,
            department: street.code.clone(),
            people: street.people.clone(),
            weight: street.weight,
        }));
    }
    offices
}

#[test]
fn a_seed_gives_its_records_and_every_line_its_count() {
    let registry = registry();
    let calendar = Calendar::embedded();
    let offices = offices();
    for lines in fazhi_app::loading::demo_lines(None, &registry).unwrap() {
        let one = district::generate(&lines, district::DEMO_SEED, calendar, &offices).unwrap();
        let again = district::generate(&lines, district::DEMO_SEED, calendar, &offices).unwrap();
        let other = district::generate(&lines, 7, calendar, &offices).unwrap();
        let wanted: usize = lines.lines.iter().map(|l| l.count).sum();
        assert_eq!(one.len(), wanted, "{}", lines.procedure);
        assert_eq!(other.len(), wanted, "{}", lines.procedure);
        let fields = |plans: &[district::Plan]| -> Vec<String> {
            plans
                .iter()
                .map(|p| {
                    format!(
                        "{:?}",
                        p.steps
                            .iter()
                            .map(|s| (&s.action, s.on, &s.fields))
                            .collect::<Vec<_>>()
                    )
                })
                .collect()
        };
        assert_eq!(fields(&one), fields(&again), "{}", lines.procedure);
        assert_ne!(fields(&one), fields(&other), "{}", lines.procedure);
        // Every line's cases stay in their windows.
        let mut plans = one.iter();
        for line in &lines.lines {
            for plan in plans.by_ref().take(line.count) {
                let first = plan.steps[0].on;
                assert!(
                    line.opened.0 <= first && first <= line.opened.1,
                    "{}: {first}",
                    line.name
                );
                if let Some(until) = line.until {
                    assert!(plan.steps.last().unwrap().on <= until, "{}", line.name);
                }
            }
        }
    }
}
