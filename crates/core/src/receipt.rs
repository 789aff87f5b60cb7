//! When an application counts as received: named rules a definition chooses for its online
//! applications (`[online] receipt = "…"`), since the day a clock starts from is law, and
//! differs between procedures.

use crate::calendar::{Calendar, CalendarError};
use chrono::{Datelike, NaiveDate};

/// The rules a definition may name, with what each says.
pub const RULES: &[(&str, &str)] = &[
    (
        ARRIVAL_DAY,
        "received the day it arrives, whatever day that is (e.g. 信访工作条例: a petition \
         registered when it reaches the body)",
    ),
    (
        NEXT_WORKING_DAY,
        "received the day it arrives, or the next working day if that is a rest day \
         (政府信息公开条例第三十一条第三项 for requests made online; 国办公开办函〔2015〕207号)",
    ),
];

pub const ARRIVAL_DAY: &str = "arrival_day";
pub const NEXT_WORKING_DAY: &str = "next_working_day";

/// The day an application that arrived on `arrived` counts as received under `rule`.
pub fn received_on(
    rule: &str,
    arrived: NaiveDate,
    calendar: &Calendar,
) -> Result<NaiveDate, CalendarError> {
    match rule {
        NEXT_WORKING_DAY => {
            let mut day = arrived;
            while !calendar.is_workday(day)? {
                // Only the last date chrono knows has no successor, and no calendar has its year.
                day = day
                    .succ_opt()
                    .ok_or(CalendarError::NoCalendar { year: day.year() })?;
            }
            Ok(day)
        }
        _ => Ok(arrived),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_rest_day_moves_to_the_next_working_day_only_under_that_rule() {
        let calendar = Calendar::embedded();
        // Saturday 2019-06-01 → Monday 2019-06-03; 端午 2019-06-07 → Monday 2019-06-10.
        assert_eq!(
            received_on(NEXT_WORKING_DAY, d("2019-06-01"), calendar),
            Ok(d("2019-06-03"))
        );
        assert_eq!(
            received_on(NEXT_WORKING_DAY, d("2019-06-07"), calendar),
            Ok(d("2019-06-10"))
        );
        // A make-up working Sunday (2019-09-29) is a working day.
        assert_eq!(
            received_on(NEXT_WORKING_DAY, d("2019-09-29"), calendar),
            Ok(d("2019-09-29"))
        );
        assert_eq!(
            received_on(ARRIVAL_DAY, d("2019-06-01"), calendar),
            Ok(d("2019-06-01"))
        );
    }
}
