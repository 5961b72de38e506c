//! Cases (工单): the pure workflow of a report, complaint, repair, dispute or petition, from intake
//! to a rated close (RULES.md §2–3). No I/O: the service layer loads a [`CaseState`], asks
//! [`apply`] whether an action may happen, stores the new state and the returned [`Event`].
pub mod category;
pub mod rates;
mod workflow;

use super::deadline::{self, SlaPeriods};
pub use workflow::apply;

word_enum!(
    /// What becomes of a petition that is not accepted (RULES.md §2): not accepted, or sent
    /// where it belongs — a court, administrative reconsideration, another organ.
    NotAcceptOutcome {
        NotAccepted = "not_accepted",
        Court = "court",
        Reconsideration = "reconsideration",
        OtherOrgan = "other_organ",
    }
);

word_enum!(
    /// 投诉/反映 · 报修 · 咨询 · 建议 · 纠纷 · 信访 · 关爱求助
    CaseKind {
        Complaint = "complaint",
        Repair = "repair",
        Consultation = "consultation",
        Suggestion = "suggestion",
        Dispute = "dispute",
        Petition = "petition",
        Wellbeing = "wellbeing",
    }
);

word_enum!(
    /// How a case reached us.
    Channel {
        Online = "online",
        Phone = "phone",
        Visit = "visit",
        Letter = "letter",
        BuildingLeader = "building_leader",
        Open311 = "open311",
    }
);

word_enum!(
    CaseStatus {
        Submitted = "submitted",
        Dispatched = "dispatched",
        SignedFor = "signed_for",
        InProgress = "in_progress",
        Replied = "replied",
        FollowedUp = "followed_up",
        Closed = "closed",
        Withdrawn = "withdrawn",
        NotAccepted = "not_accepted",
        Merged = "merged",
    }
);

impl CaseStatus {
    /// No further work: closed, withdrawn, not accepted or merged into another case.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CaseStatus::Closed
                | CaseStatus::Withdrawn
                | CaseStatus::NotAccepted
                | CaseStatus::Merged
        )
    }
}

word_enum!(
    /// 回访 result.
    Rating { Satisfied = "satisfied", BasicallySatisfied = "basically_satisfied", Unsatisfied = "unsatisfied" }
);

word_enum!(
    /// What kind of unit owns a case: a squad of a Red Butler team, a team as a whole, or an
    /// organisation (property company, department, community or sub-district office).
    UnitKind { Squad = "squad", Team = "team", Organisation = "organisation" }
);

word_enum!(
    /// 上报/督办 ladder (RULES.md §3): compound → Red Butler team → community → sub-district → district.
    Level { Compound = "compound", Team = "team", Community = "community", Subdistrict = "subdistrict", District = "district" }
);

word_enum!(
    /// Every kind of recorded step of a case.
    EventKind {
        Submitted = "submitted",
        Dispatched = "dispatched",
        SignedFor = "signed_for",
        Started = "started",
        Replied = "replied",
        FollowedUp = "followed_up",
        NoFollowUp = "no_follow_up",
        Closed = "closed",
        Returned = "returned",
        Transferred = "transferred",
        Escalated = "escalated",
        CoordinationRequested = "coordination_requested",
        CoordinationAnswered = "coordination_answered",
        Extended = "extended",
        Reopened = "reopened",
        Merged = "merged",
        Withdrawn = "withdrawn",
        NotAccepted = "not_accepted",
        Accepted = "accepted",
        ReviewRequested = "review_requested",
        Note = "note",
    }
);

word_enum!(
    /// How a mediation (调解) of a dispute ended.
    MediationOutcome { Agreement = "agreement", Referral = "referral", Withdrawn = "withdrawn" }
);

word_enum!(
    /// Where a dispute goes when mediation reaches no agreement.
    Referral { MediationCommittee = "mediation_committee", Court = "court" }
);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    pub kind: UnitKind,
    pub id: i64,
}

/// Everything the rules need to know about one case. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseState {
    pub kind: CaseKind,
    pub status: CaseStatus,
    /// Who answers for the case now. First-receiver responsibility: never empty.
    pub owner: Unit,
    /// The unit that dispatched it to the owner; a return goes back there.
    pub dispatched_by: Option<Unit>,
    /// When the owner got it from `dispatched_by` (a petition's receiver may dispute its
    /// competence only within 5 working days of that).
    pub dispatched_at: Option<i64>,
    /// The person (user) who signed for it at the owning unit.
    pub assignee: Option<i64>,
    pub level: Level,
    pub sla: SlaPeriods,
    pub sign_due: Option<i64>,
    /// The deadline the reporter is promised; moves later only by [`CaseAction::Extend`].
    pub reply_due: Option<i64>,
    /// Petitions: decide acceptance by then (15 days).
    pub accept_due: Option<i64>,
    /// Deadline of a reopened case or of a petition review (复查/复核).
    pub review_due: Option<i64>,
    pub accepted: bool,
    pub extended: bool,
    pub reopened: bool,
    /// Petitions: 0 none, 1 reviewed (复查), 2 re-reviewed (复核, final).
    pub review_stage: u8,
    pub replied_at: Option<i64>,
    pub rating: Option<Rating>,
    pub no_follow_up_reason: bool,
    /// Coordination requests asked and not yet answered.
    pub open_coordinations: u32,
}

impl CaseState {
    /// A new case as registered by `intake` (the first receiver) at `now`.
    pub fn new(
        kind: CaseKind,
        intake: Unit,
        level: Level,
        sla: SlaPeriods,
        now: i64,
        cal: &deadline::Calendar,
    ) -> Self {
        let petition = kind == CaseKind::Petition;
        CaseState {
            kind,
            status: CaseStatus::Submitted,
            owner: intake,
            dispatched_by: None,
            dispatched_at: None,
            assignee: None,
            level,
            sla,
            sign_due: Some(now + sla.sign_seconds),
            reply_due: (!petition).then(|| deadline::reply_due(cal, sla, now)),
            accept_due: petition.then(|| deadline::petition_accept_due(cal, now)),
            review_due: None,
            accepted: !petition,
            extended: false,
            reopened: false,
            review_stage: 0,
            replied_at: None,
            rating: None,
            no_follow_up_reason: false,
            open_coordinations: 0,
        }
    }

    /// The earliest deadline still running (what the deadline job watches).
    pub fn next_due(&self) -> Option<i64> {
        if self.status.is_final() {
            return None;
        }
        let sign = matches!(self.status, CaseStatus::Submitted | CaseStatus::Dispatched)
            .then_some(self.sign_due)
            .flatten();
        let reply = matches!(
            self.status,
            CaseStatus::Submitted
                | CaseStatus::Dispatched
                | CaseStatus::SignedFor
                | CaseStatus::InProgress
        )
        .then_some(if self.review_due.is_some() {
            self.review_due
        } else {
            self.reply_due
        })
        .flatten();
        let accept = (!self.accepted).then_some(self.accept_due).flatten();
        [sign, reply, accept].into_iter().flatten().min()
    }
}

/// What someone asks to do with a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseAction {
    /// 派单: the owner hands it to a unit that should do the work.
    Dispatch {
        to: Unit,
    },
    /// 签收: a person of the owning unit takes it.
    SignFor {
        user: i64,
    },
    Start,
    /// 答复
    Reply,
    /// 回访 with the reporter's rating.
    FollowUp {
        rating: Rating,
    },
    /// A follow-up was not possible; the reason goes in the note.
    NoFollowUp,
    Close,
    /// 退回: wrong unit; back to whoever dispatched it.
    Return,
    /// 转派: the owner passes it to another unit.
    Transfer {
        to: Unit,
    },
    /// 上报/督办: up the ladder to a higher level's unit.
    Escalate {
        to: Unit,
        level: Level,
    },
    RequestCoordination,
    AnswerCoordination,
    /// 延期 (petitions): once, at most 30 days.
    Extend {
        days: i64,
    },
    /// An unsatisfied rating reopens the case once, to a supervising unit.
    Reopen {
        supervisor: Unit,
    },
    Merge,
    Withdraw,
    NotAccept,
    /// Petitions: accepted for handling (starts the 60-day reply period).
    Accept,
    /// Petitions: the petitioner asks for 复查 (then 复核) within 30 days of the reply.
    RequestReview,
    Note,
}

/// Why an action was refused; `code()` is the i18n key and the API error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the case is finished")]
    Finished,
    #[error("not possible in the case's current status")]
    WrongStatus,
    #[error("a case cannot be dispatched, transferred or escalated to the unit that owns it")]
    SameUnit,
    #[error("nobody dispatched this case, so it cannot be returned; escalate it instead")]
    NothingToReturnTo,
    #[error("escalation must go to a higher level")]
    NotHigher,
    #[error("only petitions can be extended, accepted or reviewed")]
    NotPetition,
    #[error("a petition may be extended once")]
    AlreadyExtended,
    #[error("an extension is 1 to 30 days")]
    ExtensionTooLong,
    #[error("a case reopens once only")]
    AlreadyReopened,
    #[error("only an unsatisfied rating reopens a case")]
    NotUnsatisfied,
    #[error("no coordination request is open")]
    NoOpenCoordination,
    #[error("answer the open coordination requests first")]
    CoordinationOpen,
    #[error("the petition was re-reviewed; the same facts are not accepted again")]
    ReviewExhausted,
    #[error("the 30-day window for asking a review has passed")]
    ReviewWindowPassed,
    #[error("the petition must be accepted first")]
    NotAccepted,
    #[error("a petition may be returned as not ours only within 5 working days of receiving it")]
    ReturnTooLate,
    #[error("the 60-day limit has run out: a petition is extended only before it does")]
    ExtensionTooLate,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Refusal::Finished => "case_finished",
            Refusal::WrongStatus => "case_wrong_status",
            Refusal::SameUnit => "case_same_unit",
            Refusal::NothingToReturnTo => "case_nothing_to_return_to",
            Refusal::NotHigher => "case_not_higher",
            Refusal::NotPetition => "case_not_petition",
            Refusal::AlreadyExtended => "case_already_extended",
            Refusal::ExtensionTooLong => "case_extension_too_long",
            Refusal::AlreadyReopened => "case_already_reopened",
            Refusal::NotUnsatisfied => "case_not_unsatisfied",
            Refusal::NoOpenCoordination => "case_no_open_coordination",
            Refusal::CoordinationOpen => "case_coordination_open",
            Refusal::ReviewExhausted => "case_review_exhausted",
            Refusal::ReviewWindowPassed => "case_review_window_passed",
            Refusal::NotAccepted => "case_not_accepted",
            Refusal::ReturnTooLate => "case_return_too_late",
            Refusal::ExtensionTooLate => "case_extension_too_late",
        }
    }
}

/// A case's number, e.g. `YC-2026-000123`: the prefix, the year (Asia/Shanghai) it was registered
/// in and its id on six digits at least. The one rule for every way a case is registered.
pub fn case_number(prefix: &str, registered_at: i64, id: i64) -> String {
    let year = deadline::local(registered_at)
        .get(..4)
        .unwrap_or("0000")
        .to_string();
    format!("{prefix}-{year}-{id:06}")
}

/// The record of one accepted action (the service adds actor, note and time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub from: CaseStatus,
    pub to: CaseStatus,
    /// The unit the case went to, for dispatch, transfer, escalation, return and reopening.
    pub unit: Option<Unit>,
}

#[cfg(test)]
mod number_tests {
    use super::case_number;
    use proptest::prelude::*;

    #[test]
    fn the_year_is_the_year_in_shanghai() {
        // 2026-12-31 16:00 UTC is already 2027-01-01 00:00 in Asia/Shanghai.
        let new_year = 1_798_732_800;
        assert_eq!(case_number("YC", new_year - 1, 7), "YC-2026-000007");
        assert_eq!(case_number("YC", new_year, 7), "YC-2027-000007");
    }

    proptest! {
        #[test]
        fn a_number_names_its_prefix_year_and_id(id in 1i64..10_000_000, at in 1_600_000_000i64..2_000_000_000) {
            let n = case_number("YC", at, id);
            let parts: Vec<&str> = n.split('-').collect();
            prop_assert_eq!(parts.len(), 3);
            prop_assert_eq!(parts[0], "YC");
            prop_assert_eq!(parts[1].len(), 4);
            prop_assert!(parts[2].len() >= 6);
            prop_assert_eq!(parts[2].parse::<i64>().unwrap(), id);
        }
    }
}
