//! Sums of administrative penalties that the law fixes and a definition file cannot compute.

use chrono::NaiveDate;

/// The surcharge (加处罚款) on a fine paid late, in fen, by 行政处罚法 (2021) Art 72 para 1 (1):
/// “到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不得超出罚款的数额”.
///
/// `due_on` is the last day for payment: the end of the 15 days from service of the decision
/// (Art 67 para 3), already moved to the next working day when it falls on a rest day (the
/// `payment` clock of `administrative_penalty` gives it). Every day after it up to and including
/// `paid_on` adds 3% of the fine; the total is rounded down to the fen and never exceeds the fine.
/// Nothing is added for a payment on or before the due day, nor on a fine of zero or less.
pub fn surcharge_fen(fine_fen: i64, due_on: NaiveDate, paid_on: NaiveDate) -> i64 {
    let days = (paid_on - due_on).num_days();
    if fine_fen <= 0 || days <= 0 {
        return 0;
    }
    let total = i128::from(fine_fen) * 3 * i128::from(days) / 100;
    i64::try_from(total).unwrap_or(i64::MAX).min(fine_fen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn nothing_is_added_on_or_before_the_due_day() {
        assert_eq!(surcharge_fen(500_000, d("2021-10-15"), d("2021-10-01")), 0);
        assert_eq!(surcharge_fen(500_000, d("2021-10-15"), d("2021-10-15")), 0);
    }

    #[test]
    fn three_percent_of_the_fine_for_each_day_late() {
        // 5,000 yuan due 2021-10-15: paid a day late, 150 yuan; ten days late, 1,500 yuan.
        assert_eq!(
            surcharge_fen(500_000, d("2021-10-15"), d("2021-10-16")),
            15_000
        );
        assert_eq!(
            surcharge_fen(500_000, d("2021-10-15"), d("2021-10-25")),
            150_000
        );
        // Days are calendar days, across month and year ends.
        assert_eq!(
            surcharge_fen(100_000, d("2021-12-30"), d("2022-01-02")),
            9_000
        );
    }

    #[test]
    fn never_more_than_the_fine() {
        // 33 days: 99%; 34 days would be 102%, capped at the fine.
        assert_eq!(
            surcharge_fen(500_000, d("2021-10-15"), d("2021-11-17")),
            495_000
        );
        assert_eq!(
            surcharge_fen(500_000, d("2021-10-15"), d("2021-11-18")),
            500_000
        );
        assert_eq!(
            surcharge_fen(500_000, d("2021-10-15"), d("2025-01-01")),
            500_000
        );
    }

    #[test]
    fn rounded_down_to_the_fen() {
        // 3% of 0.50 yuan is 1.5 fen a day: 1 fen after one day, 3 after two.
        assert_eq!(surcharge_fen(50, d("2021-10-15"), d("2021-10-16")), 1);
        assert_eq!(surcharge_fen(50, d("2021-10-15"), d("2021-10-17")), 3);
    }

    #[test]
    fn no_fine_no_surcharge_and_no_overflow() {
        assert_eq!(surcharge_fen(0, d("2021-10-15"), d("2021-12-01")), 0);
        assert_eq!(surcharge_fen(-100, d("2021-10-15"), d("2021-12-01")), 0);
        // 3% of the largest fine, computed without overflow (3 × 7 / 100 of the remainder is 0).
        assert_eq!(
            surcharge_fen(i64::MAX, d("2021-10-15"), d("2021-10-16")),
            i64::MAX / 100 * 3
        );
    }
}
