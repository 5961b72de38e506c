//! Cases (工单): the pure workflow of a report, complaint, repair, dispute or petition, from intake
//! to a rated close (RULES.md §2–3). No I/O: the service layer loads a [`CaseState`], asks
//! [`apply`] whether an action may happen, stores the new state and the returned [`Event`].
use super::deadline::{self, SlaPeriods};

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
    pub fn new(kind: CaseKind, intake: Unit, level: Level, sla: SlaPeriods, now: i64) -> Self {
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
            reply_due: (!petition).then_some(now + sla.reply_seconds),
            accept_due: petition.then(|| deadline::petition_accept_due(now)),
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
        }
    }
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

/// May `action` happen to `case` at `now`? If so, the new state and the event to record.
pub fn apply(
    case: &CaseState,
    action: &CaseAction,
    now: i64,
) -> Result<(CaseState, Event), Refusal> {
    use CaseStatus as S;
    let mut next = case.clone();
    let from = case.status;
    let open = !from.is_final();
    let ensure = |ok: bool, why: Refusal| if ok { Ok(()) } else { Err(why) };
    if !open && !matches!(action, CaseAction::RequestReview | CaseAction::Note) {
        return Err(Refusal::Finished);
    }
    let petition = case.kind == CaseKind::Petition;
    let mut unit = None;
    let kind = match *action {
        CaseAction::Dispatch { to } => {
            ensure(from == S::Submitted, Refusal::WrongStatus)?;
            ensure(to != case.owner, Refusal::SameUnit)?;
            next.dispatched_by = Some(case.owner);
            next.dispatched_at = Some(now);
            next.owner = to;
            next.assignee = None;
            next.status = S::Dispatched;
            next.sign_due = Some(now + case.sla.sign_seconds);
            unit = Some(to);
            EventKind::Dispatched
        }
        CaseAction::SignFor { user } => {
            ensure(
                matches!(from, S::Submitted | S::Dispatched),
                Refusal::WrongStatus,
            )?;
            next.assignee = Some(user);
            next.status = S::SignedFor;
            EventKind::SignedFor
        }
        CaseAction::Start => {
            ensure(from == S::SignedFor, Refusal::WrongStatus)?;
            next.status = S::InProgress;
            EventKind::Started
        }
        CaseAction::Reply => {
            ensure(
                matches!(from, S::SignedFor | S::InProgress),
                Refusal::WrongStatus,
            )?;
            ensure(case.accepted, Refusal::NotAccepted)?;
            ensure(case.open_coordinations == 0, Refusal::CoordinationOpen)?;
            next.status = S::Replied;
            next.replied_at = Some(now);
            EventKind::Replied
        }
        CaseAction::FollowUp { rating } => {
            ensure(from == S::Replied, Refusal::WrongStatus)?;
            next.rating = Some(rating);
            next.status = S::FollowedUp;
            EventKind::FollowedUp
        }
        CaseAction::NoFollowUp => {
            ensure(from == S::Replied, Refusal::WrongStatus)?;
            next.no_follow_up_reason = true;
            next.status = S::FollowedUp;
            EventKind::NoFollowUp
        }
        CaseAction::Close => {
            ensure(from == S::FollowedUp, Refusal::WrongStatus)?;
            next.status = S::Closed;
            EventKind::Closed
        }
        CaseAction::Return => {
            ensure(
                matches!(from, S::Dispatched | S::SignedFor),
                Refusal::WrongStatus,
            )?;
            let back = case.dispatched_by.ok_or(Refusal::NothingToReturnTo)?;
            // A petition's receiver disputes its competence within 5 working days, or keeps it.
            if petition && let Some(at) = case.dispatched_at {
                ensure(
                    now < deadline::competence_dispute_due(at),
                    Refusal::ReturnTooLate,
                )?;
            }
            next.owner = back;
            next.dispatched_by = None;
            next.dispatched_at = None;
            next.assignee = None;
            next.status = S::Submitted;
            next.sign_due = Some(now + case.sla.sign_seconds);
            unit = Some(back);
            EventKind::Returned
        }
        CaseAction::Transfer { to } => {
            ensure(
                matches!(from, S::Dispatched | S::SignedFor | S::InProgress),
                Refusal::WrongStatus,
            )?;
            ensure(to != case.owner, Refusal::SameUnit)?;
            next.dispatched_by = Some(case.owner);
            next.dispatched_at = Some(now);
            next.owner = to;
            next.assignee = None;
            next.status = S::Dispatched;
            next.sign_due = Some(now + case.sla.sign_seconds);
            unit = Some(to);
            EventKind::Transferred
        }
        CaseAction::Escalate { to, level } => {
            ensure(
                !matches!(from, S::Replied | S::FollowedUp),
                Refusal::WrongStatus,
            )?;
            ensure(level > case.level, Refusal::NotHigher)?;
            ensure(to != case.owner, Refusal::SameUnit)?;
            next.level = level;
            next.dispatched_by = None;
            next.dispatched_at = None;
            next.owner = to;
            next.assignee = None;
            next.status = S::Submitted;
            next.sign_due = Some(now + case.sla.sign_seconds);
            unit = Some(to);
            EventKind::Escalated
        }
        CaseAction::RequestCoordination => {
            ensure(
                matches!(from, S::SignedFor | S::InProgress),
                Refusal::WrongStatus,
            )?;
            next.open_coordinations += 1;
            EventKind::CoordinationRequested
        }
        CaseAction::AnswerCoordination => {
            ensure(case.open_coordinations > 0, Refusal::NoOpenCoordination)?;
            next.open_coordinations -= 1;
            EventKind::CoordinationAnswered
        }
        CaseAction::Extend { days } => {
            ensure(petition, Refusal::NotPetition)?;
            ensure(case.accepted, Refusal::NotAccepted)?;
            ensure(!case.extended, Refusal::AlreadyExtended)?;
            ensure((1..=30).contains(&days), Refusal::ExtensionTooLong)?;
            ensure(
                matches!(
                    from,
                    S::SignedFor | S::InProgress | S::Dispatched | S::Submitted
                ),
                Refusal::WrongStatus,
            )?;
            let due = case.reply_due.ok_or(Refusal::NotAccepted)?;
            next.reply_due = Some(deadline::add_days(due, days));
            next.extended = true;
            EventKind::Extended
        }
        CaseAction::Reopen { supervisor } => {
            ensure(matches!(from, S::FollowedUp), Refusal::WrongStatus)?;
            ensure(!case.reopened, Refusal::AlreadyReopened)?;
            ensure(
                case.rating == Some(Rating::Unsatisfied),
                Refusal::NotUnsatisfied,
            )?;
            next.reopened = true;
            next.dispatched_by = Some(case.owner);
            next.dispatched_at = Some(now);
            next.owner = supervisor;
            next.assignee = None;
            next.rating = None;
            next.status = S::Dispatched;
            next.sign_due = Some(now + case.sla.sign_seconds);
            next.review_due = Some(now + case.sla.reply_seconds);
            unit = Some(supervisor);
            EventKind::Reopened
        }
        CaseAction::Merge => {
            ensure(
                !matches!(from, S::Replied | S::FollowedUp),
                Refusal::WrongStatus,
            )?;
            next.status = S::Merged;
            EventKind::Merged
        }
        CaseAction::Withdraw => {
            next.status = S::Withdrawn;
            EventKind::Withdrawn
        }
        CaseAction::NotAccept => {
            ensure(
                matches!(from, S::Submitted | S::Dispatched | S::SignedFor),
                Refusal::WrongStatus,
            )?;
            ensure(!petition || !case.accepted, Refusal::WrongStatus)?;
            next.status = S::NotAccepted;
            EventKind::NotAccepted
        }
        CaseAction::Accept => {
            ensure(petition, Refusal::NotPetition)?;
            ensure(!case.accepted, Refusal::WrongStatus)?;
            next.accepted = true;
            next.reply_due = Some(deadline::petition_reply_due(now));
            EventKind::Accepted
        }
        CaseAction::RequestReview => {
            ensure(petition, Refusal::NotPetition)?;
            ensure(
                matches!(from, S::Replied | S::FollowedUp | S::Closed),
                Refusal::WrongStatus,
            )?;
            ensure(case.review_stage < 2, Refusal::ReviewExhausted)?;
            let replied = case.replied_at.ok_or(Refusal::WrongStatus)?;
            ensure(
                now < deadline::review_request_due(replied),
                Refusal::ReviewWindowPassed,
            )?;
            next.review_stage += 1;
            next.status = S::InProgress;
            next.rating = None;
            next.no_follow_up_reason = false;
            next.review_due = Some(deadline::review_answer_due(now));
            EventKind::ReviewRequested
        }
        CaseAction::Note => EventKind::Note,
    };
    Ok((
        next.clone(),
        Event {
            kind,
            from,
            to: next.status,
            unit,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T0: i64 = 1_780_000_000;
    const INTAKE: Unit = Unit {
        kind: UnitKind::Team,
        id: 1,
    };
    const SQUAD: Unit = Unit {
        kind: UnitKind::Squad,
        id: 2,
    };
    const COMPANY: Unit = Unit {
        kind: UnitKind::Organisation,
        id: 3,
    };
    const COMMUNITY: Unit = Unit {
        kind: UnitKind::Organisation,
        id: 4,
    };

    fn sla() -> SlaPeriods {
        SlaPeriods {
            sign_seconds: 86_400,
            reply_seconds: 7 * 86_400,
        }
    }

    fn run(case: &CaseState, actions: &[CaseAction]) -> Result<CaseState, Refusal> {
        let mut c = case.clone();
        for a in actions {
            c = apply(&c, a, T0 + 60)?.0;
        }
        Ok(c)
    }

    #[test]
    fn main_path_from_report_to_rated_close() {
        let c = CaseState::new(CaseKind::Complaint, INTAKE, Level::Compound, sla(), T0);
        let done = run(
            &c,
            &[
                CaseAction::Dispatch { to: SQUAD },
                CaseAction::SignFor { user: 7 },
                CaseAction::Start,
                CaseAction::Reply,
                CaseAction::FollowUp {
                    rating: Rating::Satisfied,
                },
                CaseAction::Close,
            ],
        )
        .unwrap();
        assert_eq!(done.status, CaseStatus::Closed);
        assert_eq!(done.owner, SQUAD);
        assert_eq!(done.assignee, Some(7));
        assert_eq!(done.rating, Some(Rating::Satisfied));
    }

    #[test]
    fn no_close_without_follow_up() {
        let c = CaseState::new(CaseKind::Repair, INTAKE, Level::Compound, sla(), T0);
        let replied = run(&c, &[CaseAction::SignFor { user: 1 }, CaseAction::Reply]).unwrap();
        assert_eq!(
            apply(&replied, &CaseAction::Close, T0),
            Err(Refusal::WrongStatus)
        );
        let noted = run(&replied, &[CaseAction::NoFollowUp, CaseAction::Close]).unwrap();
        assert!(noted.no_follow_up_reason);
        assert_eq!(noted.status, CaseStatus::Closed);
    }

    #[test]
    fn a_return_goes_back_to_the_dispatcher() {
        let c = CaseState::new(CaseKind::Complaint, INTAKE, Level::Compound, sla(), T0);
        let back = run(
            &c,
            &[CaseAction::Dispatch { to: COMPANY }, CaseAction::Return],
        )
        .unwrap();
        assert_eq!(back.owner, INTAKE);
        assert_eq!(back.status, CaseStatus::Submitted);
        assert_eq!(
            apply(&c, &CaseAction::Return, T0),
            Err(Refusal::WrongStatus)
        );
    }

    #[test]
    fn a_petition_is_returned_only_within_five_working_days() {
        let c = CaseState::new(CaseKind::Petition, INTAKE, Level::Compound, sla(), T0);
        let dispatched = apply(&c, &CaseAction::Dispatch { to: COMPANY }, T0)
            .unwrap()
            .0;
        assert_eq!(dispatched.dispatched_at, Some(T0));
        let due = deadline::competence_dispute_due(T0);
        let back = apply(&dispatched, &CaseAction::Return, due - 1).unwrap().0;
        assert_eq!(back.owner, INTAKE);
        assert_eq!(back.dispatched_at, None);
        assert_eq!(
            apply(&dispatched, &CaseAction::Return, due),
            Err(Refusal::ReturnTooLate)
        );
        // A transfer starts the five days again for the new receiver.
        let moved = apply(&dispatched, &CaseAction::Transfer { to: INTAKE }, due + 10)
            .unwrap()
            .0;
        assert_eq!(moved.dispatched_at, Some(due + 10));
        assert!(apply(&moved, &CaseAction::Return, due + 20).is_ok());
        // Other kinds of case have no such limit.
        let complaint = CaseState::new(CaseKind::Complaint, INTAKE, Level::Compound, sla(), T0);
        let d = apply(&complaint, &CaseAction::Dispatch { to: COMPANY }, T0)
            .unwrap()
            .0;
        assert!(apply(&d, &CaseAction::Return, T0 + 100 * 86_400).is_ok());
    }

    #[test]
    fn escalation_only_goes_up() {
        let c = CaseState::new(CaseKind::Complaint, INTAKE, Level::Team, sla(), T0);
        let up = run(
            &c,
            &[CaseAction::Escalate {
                to: COMMUNITY,
                level: Level::Community,
            }],
        )
        .unwrap();
        assert_eq!(up.owner, COMMUNITY);
        assert_eq!(
            apply(
                &up,
                &CaseAction::Escalate {
                    to: INTAKE,
                    level: Level::Team
                },
                T0
            ),
            Err(Refusal::NotHigher)
        );
    }

    #[test]
    fn unsatisfied_reopens_once_to_a_supervisor() {
        let c = CaseState::new(CaseKind::Complaint, SQUAD, Level::Compound, sla(), T0);
        let unhappy = run(
            &c,
            &[
                CaseAction::SignFor { user: 1 },
                CaseAction::Reply,
                CaseAction::FollowUp {
                    rating: Rating::Unsatisfied,
                },
            ],
        )
        .unwrap();
        let reopened = run(
            &unhappy,
            &[CaseAction::Reopen {
                supervisor: COMMUNITY,
            }],
        )
        .unwrap();
        assert_eq!(reopened.owner, COMMUNITY);
        assert_eq!(reopened.status, CaseStatus::Dispatched);
        let again = run(
            &reopened,
            &[
                CaseAction::SignFor { user: 2 },
                CaseAction::Reply,
                CaseAction::FollowUp {
                    rating: Rating::Unsatisfied,
                },
            ],
        )
        .unwrap();
        assert_eq!(
            apply(
                &again,
                &CaseAction::Reopen {
                    supervisor: COMPANY
                },
                T0
            ),
            Err(Refusal::AlreadyReopened)
        );
        let happy = run(
            &c,
            &[
                CaseAction::SignFor { user: 1 },
                CaseAction::Reply,
                CaseAction::FollowUp {
                    rating: Rating::Satisfied,
                },
            ],
        )
        .unwrap();
        assert_eq!(
            apply(
                &happy,
                &CaseAction::Reopen {
                    supervisor: COMMUNITY
                },
                T0
            ),
            Err(Refusal::NotUnsatisfied)
        );
    }

    #[test]
    fn a_reply_waits_for_open_coordination_requests() {
        let c = CaseState::new(CaseKind::Complaint, SQUAD, Level::Compound, sla(), T0);
        let asked = run(
            &c,
            &[
                CaseAction::SignFor { user: 1 },
                CaseAction::RequestCoordination,
            ],
        )
        .unwrap();
        assert_eq!(
            apply(&asked, &CaseAction::Reply, T0),
            Err(Refusal::CoordinationOpen)
        );
        let answered = run(&asked, &[CaseAction::AnswerCoordination, CaseAction::Reply]).unwrap();
        assert_eq!(answered.status, CaseStatus::Replied);
    }

    #[test]
    fn petitions_accept_extend_once_and_review_twice() {
        let c = CaseState::new(CaseKind::Petition, INTAKE, Level::District, sla(), T0);
        assert_eq!(c.reply_due, None);
        assert!(c.accept_due.is_some());
        assert_eq!(
            run(&c, &[CaseAction::SignFor { user: 1 }, CaseAction::Reply]),
            Err(Refusal::NotAccepted)
        );
        let accepted = run(&c, &[CaseAction::Accept]).unwrap();
        assert_eq!(
            apply(&accepted, &CaseAction::Extend { days: 31 }, T0),
            Err(Refusal::ExtensionTooLong)
        );
        let extended = run(&accepted, &[CaseAction::Extend { days: 30 }]).unwrap();
        assert_eq!(
            apply(&extended, &CaseAction::Extend { days: 1 }, T0),
            Err(Refusal::AlreadyExtended)
        );
        let mut done = run(
            &extended,
            &[
                CaseAction::SignFor { user: 1 },
                CaseAction::Reply,
                CaseAction::NoFollowUp,
                CaseAction::Close,
            ],
        )
        .unwrap();
        for _ in 0..2 {
            done = run(
                &done,
                &[
                    CaseAction::RequestReview,
                    CaseAction::Reply,
                    CaseAction::NoFollowUp,
                    CaseAction::Close,
                ],
            )
            .unwrap();
        }
        assert_eq!(
            apply(&done, &CaseAction::RequestReview, T0 + 60),
            Err(Refusal::ReviewExhausted)
        );
        let complaint = CaseState::new(CaseKind::Complaint, INTAKE, Level::Compound, sla(), T0);
        assert_eq!(
            apply(&complaint, &CaseAction::Extend { days: 5 }, T0),
            Err(Refusal::NotPetition)
        );
    }

    #[test]
    fn a_review_must_be_asked_within_30_days_of_the_reply() {
        let c = CaseState::new(CaseKind::Petition, INTAKE, Level::District, sla(), T0);
        let replied = run(
            &c,
            &[
                CaseAction::Accept,
                CaseAction::SignFor { user: 1 },
                CaseAction::Reply,
            ],
        )
        .unwrap();
        let at = replied.replied_at.unwrap();
        let last = deadline::review_request_due(at) - 1;
        assert!(apply(&replied, &CaseAction::RequestReview, last).is_ok());
        assert_eq!(
            apply(&replied, &CaseAction::RequestReview, last + 1),
            Err(Refusal::ReviewWindowPassed)
        );
    }

    fn any_unit() -> impl Strategy<Value = Unit> {
        prop_oneof![Just(INTAKE), Just(SQUAD), Just(COMPANY), Just(COMMUNITY)]
    }

    fn any_action() -> impl Strategy<Value = CaseAction> {
        prop_oneof![
            any_unit().prop_map(|to| CaseAction::Dispatch { to }),
            (1i64..5).prop_map(|user| CaseAction::SignFor { user }),
            Just(CaseAction::Start),
            Just(CaseAction::Reply),
            proptest::sample::select(Rating::ALL.to_vec())
                .prop_map(|rating| CaseAction::FollowUp { rating }),
            Just(CaseAction::NoFollowUp),
            Just(CaseAction::Close),
            Just(CaseAction::Return),
            any_unit().prop_map(|to| CaseAction::Transfer { to }),
            (any_unit(), proptest::sample::select(Level::ALL.to_vec()))
                .prop_map(|(to, level)| CaseAction::Escalate { to, level }),
            Just(CaseAction::RequestCoordination),
            Just(CaseAction::AnswerCoordination),
            (-5i64..40).prop_map(|days| CaseAction::Extend { days }),
            any_unit().prop_map(|supervisor| CaseAction::Reopen { supervisor }),
            Just(CaseAction::Merge),
            Just(CaseAction::Withdraw),
            Just(CaseAction::NotAccept),
            Just(CaseAction::Accept),
            Just(CaseAction::RequestReview),
            Just(CaseAction::Note),
        ]
    }

    proptest! {
        /// For any sequence of actions: a closed case always has a follow-up or a recorded reason;
        /// the owning unit is always one that was given the case; every accepted action yields exactly
        /// one event whose statuses match; the reply deadline moves later only by an extension; a
        /// finished case changes only by a petition review.
        #[test]
        fn the_workflow_keeps_its_promises(kind in proptest::sample::select(CaseKind::ALL.to_vec()),
                                           actions in proptest::collection::vec((any_action(), 0i64..5_000_000), 0..40)) {
            let mut case = CaseState::new(kind, INTAKE, Level::Compound, sla(), T0);
            let mut now = T0;
            let mut owners = vec![INTAKE];
            let mut events = Vec::new();
            for (action, step) in actions {
                now += step;
                match apply(&case, &action, now) {
                    Ok((next, event)) => {
                        prop_assert_eq!(event.from, case.status);
                        prop_assert_eq!(event.to, next.status);
                        if let Some(u) = event.unit { owners.push(u); }
                        prop_assert!(owners.contains(&next.owner), "owner {:?} never given the case", next.owner);
                        if next.owner != case.owner {
                            prop_assert!(event.unit == Some(next.owner), "owner changed without naming the unit");
                        }
                        if next.status == CaseStatus::Closed {
                            prop_assert!(next.rating.is_some() || next.no_follow_up_reason,
                                         "closed without a follow-up");
                        }
                        match (case.reply_due, next.reply_due) {
                            (Some(a), Some(b)) if b > a => prop_assert_eq!(event.kind, EventKind::Extended),
                            (Some(_), None) => prop_assert!(false, "a deadline disappeared"),
                            (None, Some(_)) => prop_assert_eq!(event.kind, EventKind::Accepted),
                            _ => {}
                        }
                        if case.status.is_final() && next != case {
                            prop_assert_eq!(event.kind, EventKind::ReviewRequested);
                        }
                        events.push(event);
                        case = next;
                    }
                    Err(_) => {
                        // Refused: nothing changes (the caller keeps `case`).
                    }
                }
            }
            prop_assert!(events.iter().all(|e| e.kind != EventKind::Closed || e.from == CaseStatus::FollowedUp));
        }
    }
}
