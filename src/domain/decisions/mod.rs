//! The life of an owners' decision (业主共同决定), a resident consultation or a coordination
//! meeting: draft → noticed (公告, ≥ 15 days before voting opens) → open (roll frozen) → closed
//! (result counted and published). Pure rules; the service stores what they allow.
pub mod acceptance;
pub mod ballot_chain;
pub mod roll;
pub mod sales;
pub mod vote;
pub mod vote_files;

use super::deadline;

word_enum!(
    /// 业主大会表决 (legal counting) · 居民协商 (advisory, one vote per household) · 协调会 (no vote).
    DecisionKind { Assembly = "assembly", Consultation = "consultation", Coordination = "coordination" }
);

word_enum!(
    /// 会议 or 书面征求意见.
    DecisionMode { Meeting = "meeting", Written = "written" }
);

word_enum!(
    DecisionStatus { Draft = "draft", Noticed = "noticed", Open = "open", Closed = "closed", Cancelled = "cancelled" }
);

/// Why an action on a decision is refused; `code()` is the localised message's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Voting must open at least 15 full days after the notice.
    NoticeTooShort,
    ClosesBeforeOpening,
    NotDraft,
    NotNoticed,
    NotOpenYet,
    VotingClosed,
    AlreadyVoted,
    NotOnRoll,
    /// Tenants and family members do not vote on owners' assembly matters.
    NotAnOwner,
    NoVoting,
    StillOpen,
    ObjectionsOpen,
    AlreadyClosed,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::NoticeTooShort => "vote_notice_too_short",
            Refusal::ClosesBeforeOpening => "vote_closes_before_opening",
            Refusal::NotDraft => "vote_not_draft",
            Refusal::NotNoticed => "vote_not_noticed",
            Refusal::NotOpenYet => "vote_not_open_yet",
            Refusal::VotingClosed => "vote_closed",
            Refusal::AlreadyVoted => "vote_already_cast",
            Refusal::NotOnRoll => "vote_not_on_roll",
            Refusal::NotAnOwner => "vote_not_an_owner",
            Refusal::NoVoting => "vote_no_voting",
            Refusal::StillOpen => "vote_still_open",
            Refusal::ObjectionsOpen => "vote_objections_open",
            Refusal::AlreadyClosed => "vote_already_closed",
        }
    }
}

/// The earliest moment voting may open after a notice given at `noticed_at`: the notice day is
/// not counted (Civil Code art. 201), then 15 whole days in Asia/Shanghai.
pub fn earliest_opening(noticed_at: i64) -> i64 {
    deadline::end_of_day_after(noticed_at, 15)
}

/// May the notice go out now for a vote opening at `opens_at`?
pub fn check_notice(
    status: DecisionStatus,
    kind: DecisionKind,
    now: i64,
    opens_at: i64,
    closes_at: i64,
) -> Result<(), Refusal> {
    if status != DecisionStatus::Draft {
        return Err(Refusal::NotDraft);
    }
    if closes_at <= opens_at {
        return Err(Refusal::ClosesBeforeOpening);
    }
    // A coordination meeting has no vote, so no statutory notice period.
    if kind != DecisionKind::Coordination && opens_at < earliest_opening(now) {
        return Err(Refusal::NoticeTooShort);
    }
    Ok(())
}

/// The status as of `now`: a noticed vote is open once its window has started.
pub fn effective_status(
    stored: DecisionStatus,
    kind: DecisionKind,
    now: i64,
    opens_at: i64,
) -> DecisionStatus {
    if stored == DecisionStatus::Noticed && kind != DecisionKind::Coordination && now >= opens_at {
        DecisionStatus::Open
    } else {
        stored
    }
}

/// May a ballot be cast now?
pub fn check_cast(
    stored: DecisionStatus,
    kind: DecisionKind,
    now: i64,
    opens_at: i64,
    closes_at: i64,
) -> Result<(), Refusal> {
    if kind == DecisionKind::Coordination {
        return Err(Refusal::NoVoting);
    }
    match effective_status(stored, kind, now, opens_at) {
        DecisionStatus::Open if now >= opens_at && now < closes_at => Ok(()),
        DecisionStatus::Open if now < opens_at => Err(Refusal::NotOpenYet),
        DecisionStatus::Open | DecisionStatus::Closed | DecisionStatus::Cancelled => {
            Err(Refusal::VotingClosed)
        }
        DecisionStatus::Draft | DecisionStatus::Noticed => Err(Refusal::NotOpenYet),
    }
}

/// May the convenor close it now (with the closing report)? Votes once the window has ended; a
/// coordination meeting once it has been held.
pub fn check_close(
    stored: DecisionStatus,
    kind: DecisionKind,
    now: i64,
    opens_at: i64,
    closes_at: i64,
) -> Result<(), Refusal> {
    match stored {
        DecisionStatus::Closed | DecisionStatus::Cancelled => Err(Refusal::AlreadyClosed),
        DecisionStatus::Draft => Err(Refusal::NotNoticed),
        DecisionStatus::Noticed | DecisionStatus::Open => {
            let end = if kind == DecisionKind::Coordination {
                opens_at
            } else {
                closes_at
            };
            if now < end {
                Err(Refusal::StillOpen)
            } else {
                Ok(())
            }
        }
    }
}

/// The result must be published by the end of the first working day after the day voting was
/// scheduled to end (RULES.md §1: of the end of voting, not of whenever the convenor closes it;
/// working days of the calendar, §7).
pub fn publication_due(cal: &deadline::Calendar, voting_ends: i64) -> i64 {
    // Voting ends at an instant; a window ending at midnight ends on the day before.
    deadline::working_days_due(cal, voting_ends - 1, 1)
}

/// When voting is scheduled to end: the opening for a coordination meeting (held, not voted
/// on), the end of the window otherwise.
pub fn voting_ends(kind: DecisionKind, opens_at: i64, closes_at: i64) -> i64 {
    if kind == DecisionKind::Coordination {
        opens_at
    } else {
        closes_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // 2026-03-02 10:00 in Shanghai (a Monday).
    const MON_10: i64 = 1_772_416_800;
    const DAY: i64 = 86_400;

    #[test]
    fn fifteen_whole_days_between_the_notice_day_and_the_opening() {
        let earliest = earliest_opening(MON_10);
        // Notice on 2 March: 3 … 17 March are the 15 days, voting may open on 18 March 00:00.
        assert_eq!(deadline::local(earliest), "2026-03-18 00:00");
        let k = DecisionKind::Assembly;
        let s = DecisionStatus::Draft;
        assert_eq!(check_notice(s, k, MON_10, earliest, earliest + DAY), Ok(()));
        assert_eq!(
            check_notice(s, k, MON_10, earliest - 1, earliest + DAY),
            Err(Refusal::NoticeTooShort)
        );
        assert_eq!(
            check_notice(
                s,
                DecisionKind::Coordination,
                MON_10,
                MON_10 + 3600,
                MON_10 + 7200
            ),
            Ok(())
        );
        assert_eq!(
            check_notice(s, k, MON_10, earliest, earliest),
            Err(Refusal::ClosesBeforeOpening)
        );
        assert_eq!(
            check_notice(DecisionStatus::Noticed, k, MON_10, earliest, earliest + 1),
            Err(Refusal::NotDraft)
        );
    }

    #[test]
    fn ballots_only_inside_the_window() {
        let (k, n) = (DecisionKind::Assembly, DecisionStatus::Noticed);
        let (o, c) = (MON_10 + 20 * DAY, MON_10 + 22 * DAY);
        assert_eq!(check_cast(n, k, o - 1, o, c), Err(Refusal::NotOpenYet));
        assert_eq!(check_cast(n, k, o, o, c), Ok(()));
        assert_eq!(check_cast(DecisionStatus::Open, k, c - 1, o, c), Ok(()));
        assert_eq!(
            check_cast(DecisionStatus::Open, k, c, o, c),
            Err(Refusal::VotingClosed)
        );
        assert_eq!(
            check_cast(DecisionStatus::Closed, k, o, o, c),
            Err(Refusal::VotingClosed)
        );
        assert_eq!(
            check_cast(n, DecisionKind::Coordination, o, o, c),
            Err(Refusal::NoVoting)
        );
        assert_eq!(
            check_close(DecisionStatus::Open, k, c - 1, o, c),
            Err(Refusal::StillOpen)
        );
        assert_eq!(check_close(DecisionStatus::Open, k, c, o, c), Ok(()));
        assert_eq!(
            check_close(DecisionStatus::Closed, k, c, o, c),
            Err(Refusal::AlreadyClosed)
        );
    }

    #[test]
    fn publication_is_due_one_working_day_after_voting_ends() {
        let cal = deadline::Calendar::new([2026], &crate::domain::calendar::shipped_2026());
        let due = |at| deadline::local(publication_due(&cal, at));
        // Voting ends on Friday 6 March: due by the end of Monday 9 March.
        assert_eq!(due(MON_10 + 4 * DAY), "2026-03-10 00:00");
        // On Monday: by the end of Tuesday.
        assert_eq!(due(MON_10), "2026-03-04 00:00");
        // A window ending at midnight ends on the day before: Tuesday 00:00 is Monday's end.
        assert_eq!(due(MON_10 - 10 * 3600 + DAY), "2026-03-04 00:00");
        // Ending on Wednesday 30 September: 1–7 October are the National Day holidays, so by
        // the end of Thursday 8 October.
        let sept_30 = MON_10 + 212 * DAY;
        assert_eq!(deadline::local(sept_30), "2026-09-30 10:00");
        assert_eq!(due(sept_30), "2026-10-09 00:00");
        // Ending on Friday 13 February: Saturday 14 February is a declared working day.
        assert_eq!(due(MON_10 - 17 * DAY), "2026-02-15 00:00");
        assert_eq!(
            voting_ends(DecisionKind::Coordination, 1, 2),
            1,
            "a meeting ends when it is held"
        );
        assert_eq!(voting_ends(DecisionKind::Assembly, 1, 2), 2);
    }

    proptest! {
        /// Whatever the time of day of the notice, an accepted opening leaves at least 15 × 24 h
        /// and the earliest opening is a local midnight at most 17 days on.
        #[test]
        fn an_accepted_notice_always_leaves_fifteen_days(now in 1_700_000_000i64..1_900_000_000, gap in 0i64..40 * 86_400) {
            let opens = now + gap;
            let ok = check_notice(DecisionStatus::Draft, DecisionKind::Assembly, now, opens, opens + 1).is_ok();
            prop_assert_eq!(ok, opens >= earliest_opening(now));
            if ok {
                prop_assert!(opens - now >= 15 * 86_400);
            }
            let e = earliest_opening(now);
            prop_assert!(deadline::local(e).ends_with("00:00") && e - now <= 17 * 86_400);
        }

        #[test]
        fn nothing_is_cast_outside_the_window(now in 0i64..100, o in 0i64..100, len in 1i64..50, s in 0usize..5) {
            let status = DecisionStatus::ALL[s];
            let ok = check_cast(status, DecisionKind::Assembly, now, o, o + len).is_ok();
            let inside = now >= o && now < o + len && matches!(status, DecisionStatus::Noticed | DecisionStatus::Open);
            prop_assert_eq!(ok, inside);
        }
    }
}
