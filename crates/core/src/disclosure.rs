//! Government information disclosure on request (政府信息公开条例, 国务院令第711号, in force
//! 2019-05-15): the two rules that are arithmetic rather than procedure. The procedure itself
//! (states, clocks, reply types) is data: `procedures/disclosure_request/disclosure_request-2019-05-15.toml`.
//!
//! * [`fee_yuan`]: the processing fee charged per request (按件计收) under 国办函〔2020〕109号.
//! * [`receipt_date`]: the day a request counts as received, by channel (Art 31).

use crate::calendar::{Calendar, CalendarError};
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// The processing fee, in yuan, for the `nth` request of one applicant in one calendar month
/// (this request included), charged per request (按件计收).
///
/// Source: 国务院办公厅关于印发《政府信息公开信息处理费管理办法》的通知（国办函〔2020〕109号，
/// 2020-11-17, in force 2021-01-01), Art 3 (超额累进: each request is charged at the rate of its
/// own band) and Art 4:
/// “（一）同一申请人一个自然月内累计申请10件以下（含10件）的，不收费。
///  （二）同一申请人一个自然月内累计申请11—30件（含30件）的部分：100元/件。
///  （三）同一申请人一个自然月内累计申请31件以上的部分：以10件为一档，每增加一档，收费标准提高100元/件。”
/// (shared/domain.md §12 summarises it as “≤10 free; 11–30 at 100 yuan each; above 30, bands
/// of 10 at rising rates”.) So requests 31–40 cost 200 yuan each, 41–50 300 yuan, and so on.
/// `nth` = 0 (no request) costs nothing. The agency may charge per volume (按量计收, Art 5)
/// instead, never both; that rate is not computed here.
pub fn fee_yuan(nth_request_this_month: u32) -> u64 {
    let n = u64::from(nth_request_this_month);
    match n {
        0..=10 => 0,
        11..=30 => 100,
        // 31–40 is the first band above 30, at 100 + 100.
        _ => 100 + 100 * ((n - 31) / 10 + 1),
    }
}

/// [`fee_yuan`] in fen, as the procedure's `fee` money field keeps it.
pub fn fee_fen(nth_request_this_month: u32) -> u64 {
    fee_yuan(nth_request_this_month) * 100
}

/// The fees of all `requests_this_month` requests of one applicant in one calendar month, in
/// yuan: the sum of [`fee_yuan`] over the 1st to the last request (超额累进, 国办函〔2020〕109号
/// Art 3–4).
pub fn fee_total_yuan(requests_this_month: u32) -> u64 {
    (1..=requests_this_month).map(fee_yuan).sum()
}

/// How a request was submitted: the codes of the `channel` field of `disclosure_request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// 当面提交
    InPerson,
    /// 邮寄（需签收）
    Post,
    /// 平常信函等无需签收的邮寄方式
    Letter,
    /// 互联网渠道
    Online,
    /// 传真
    Fax,
}

impl Channel {
    pub const ALL: &'static [Channel] = &[
        Channel::InPerson,
        Channel::Post,
        Channel::Letter,
        Channel::Online,
        Channel::Fax,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Channel::InPerson => "in_person",
            Channel::Post => "post",
            Channel::Letter => "letter",
            Channel::Online => "online",
            Channel::Fax => "fax",
        }
    }

    pub fn parse(code: &str) -> Option<Channel> {
        Channel::ALL
            .iter()
            .copied()
            .find(|c| c.code() == code.trim())
    }

    /// Channels whose receipt date is a day of confirmation between the agency and the
    /// applicant (Art 31 (2) second half, (3)).
    pub fn needs_confirmation(self) -> bool {
        matches!(self, Channel::Letter | Channel::Online | Channel::Fax)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why no receipt date can be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("以“{channel}”方式提交的申请，以双方确认之日为收到申请之日，尚未确认")]
    NotConfirmed { channel: Channel },
    #[error("确认日期 {confirmed_on} 早于提交日期 {submitted_on}")]
    ConfirmedBeforeSubmitted {
        submitted_on: NaiveDate,
        confirmed_on: NaiveDate,
    },
    #[error("{0}")]
    Calendar(#[from] CalendarError),
}

/// The day a disclosure request counts as received (收到申请之日), from which the agency's
/// periods run (政府信息公开条例 Art 31):
///
/// * `in_person` (当面提交): the day it was handed in — `submitted_on`.
/// * `post` (邮寄, signed for): the day the agency signed for it — pass that day as
///   `submitted_on`.
/// * `letter` (平常信函): the agency confirms with the applicant on the day it receives the
///   letter; the confirmation day — `confirmed_on`.
/// * `online`, `fax`: the day both sides confirm — `confirmed_on`.
///
/// Our choice for a confirmation day that is a rest day (weekend or statutory holiday, per the
/// official calendar): the receipt date is the next working day, the practice under
/// 国办公开办函〔2015〕207号 for requests that reach an agency when it is closed; a make-up
/// working day (调休上班日) is a working day. The days of the first two channels are fixed by
/// the agency's own act (hand-over, signature) and are taken as they are.
///
/// Errors: a confirmation channel without `confirmed_on` ([`ReceiptError::NotConfirmed`]: the
/// request has not been received yet), a confirmation before the submission, or a date in a
/// year the calendar has no arrangement for.
pub fn receipt_date(
    channel: Channel,
    submitted_on: NaiveDate,
    confirmed_on: Option<NaiveDate>,
    calendar: &Calendar,
) -> Result<NaiveDate, ReceiptError> {
    if !channel.needs_confirmation() {
        return Ok(submitted_on);
    }
    let confirmed_on = confirmed_on.ok_or(ReceiptError::NotConfirmed { channel })?;
    if confirmed_on < submitted_on {
        return Err(ReceiptError::ConfirmedBeforeSubmitted {
            submitted_on,
            confirmed_on,
        });
    }
    let mut day = confirmed_on;
    while !calendar.is_workday(day)? {
        // Only the last date chrono knows has no successor, and no calendar has its year.
        day = day
            .succ_opt()
            .ok_or(CalendarError::NoCalendar { year: day.year() })?;
    }
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_first_ten_requests_of_a_month_are_free() {
        assert_eq!(fee_yuan(0), 0);
        assert_eq!(fee_yuan(1), 0);
        assert_eq!(fee_yuan(10), 0);
        assert_eq!(fee_total_yuan(10), 0);
    }

    #[test]
    fn requests_11_to_30_cost_100_yuan_each() {
        assert_eq!(fee_yuan(11), 100);
        assert_eq!(fee_yuan(30), 100);
        assert_eq!(fee_fen(11), 10_000);
        assert_eq!(fee_total_yuan(11), 100);
        assert_eq!(fee_total_yuan(30), 20 * 100);
    }

    #[test]
    fn from_the_31st_each_band_of_ten_costs_100_yuan_more() {
        assert_eq!(fee_yuan(31), 200);
        assert_eq!(fee_yuan(40), 200);
        assert_eq!(fee_yuan(41), 300);
        assert_eq!(fee_yuan(50), 300);
        assert_eq!(fee_yuan(51), 400);
        assert_eq!(fee_yuan(100), 800, "91–100 is the 7th band above 30");
        // Excess-progressive: 20×100 + 10×200 + 1×300.
        assert_eq!(fee_total_yuan(41), 2_000 + 2_000 + 300);
    }

    #[test]
    fn the_fee_never_overflows() {
        assert_eq!(
            fee_yuan(u32::MAX),
            100 + 100 * ((u64::from(u32::MAX) - 31) / 10 + 1)
        );
    }

    #[test]
    fn channel_codes_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.code()), Some(*c));
        }
        assert_eq!(Channel::parse("email"), None);
    }

    #[test]
    fn in_person_and_post_take_the_day_of_handing_in_or_signing() {
        let cal = Calendar::embedded();
        // Even on a rest day (2019-10-01, 国庆节) the agency's own act fixes the day.
        for channel in [Channel::InPerson, Channel::Post] {
            assert_eq!(
                receipt_date(channel, d("2019-10-01"), Some(d("2019-10-09")), cal),
                Ok(d("2019-10-01"))
            );
        }
    }

    #[test]
    fn online_and_fax_take_the_day_both_sides_confirm() {
        let cal = Calendar::embedded();
        assert_eq!(
            receipt_date(Channel::Online, d("2019-09-25"), Some(d("2019-09-26")), cal),
            Ok(d("2019-09-26"))
        );
        // Submitted on a Friday, confirmed the next Monday: the confirmation counts.
        assert_eq!(
            receipt_date(Channel::Fax, d("2024-09-20"), Some(d("2024-09-23")), cal),
            Ok(d("2024-09-23"))
        );
    }

    #[test]
    fn a_confirmation_on_a_rest_day_counts_from_the_next_working_day() {
        let cal = Calendar::embedded();
        // 国庆节 2019: 10-01..10-07 off.
        assert_eq!(
            receipt_date(Channel::Online, d("2019-09-30"), Some(d("2019-10-01")), cal),
            Ok(d("2019-10-08"))
        );
        // An ordinary Sunday.
        assert_eq!(
            receipt_date(Channel::Fax, d("2024-09-22"), Some(d("2024-09-22")), cal),
            Ok(d("2024-09-23"))
        );
        // A make-up working day (Saturday 2019-10-12) is a working day.
        assert_eq!(
            receipt_date(Channel::Letter, d("2019-10-11"), Some(d("2019-10-12")), cal),
            Ok(d("2019-10-12"))
        );
        // 春节 2025: 01-28..02-04 off.
        assert_eq!(
            receipt_date(Channel::Online, d("2025-01-27"), Some(d("2025-01-29")), cal),
            Ok(d("2025-02-05"))
        );
    }

    #[test]
    fn no_receipt_date_without_confirmation_or_official_calendar() {
        let cal = Calendar::embedded();
        assert_eq!(
            receipt_date(Channel::Online, d("2019-09-26"), None, cal),
            Err(ReceiptError::NotConfirmed {
                channel: Channel::Online
            })
        );
        assert!(matches!(
            receipt_date(Channel::Fax, d("2019-09-26"), Some(d("2019-09-25")), cal),
            Err(ReceiptError::ConfirmedBeforeSubmitted { .. })
        ));
        assert_eq!(
            receipt_date(Channel::Online, d("2040-03-01"), Some(d("2040-03-01")), cal),
            Err(ReceiptError::Calendar(CalendarError::NoCalendar {
                year: 2040
            }))
        );
    }
}
