//! The case workflow: which action may happen to a case in which state, and what it leads to.
use super::*;

/// May `action` happen to `case` at `now`? If so, the new state and the event to record.
/// Deadlines count working days and end periods by `cal` (RULES.md §7).
pub fn apply(
    case: &CaseState,
    action: &CaseAction,
    now: i64,
    cal: &deadline::Calendar,
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
                    now < deadline::competence_dispute_due(cal, at),
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
            ensure(now < due, Refusal::ExtensionTooLate)?;
            next.reply_due = Some(deadline::extended_due(cal, due, days));
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
            next.review_due = Some(deadline::reply_due(cal, case.sla, now));
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
            next.reply_due = Some(deadline::petition_reply_due(cal, now));
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
                now < deadline::review_request_due(cal, replied),
                Refusal::ReviewWindowPassed,
            )?;
            next.review_stage += 1;
            next.status = S::InProgress;
            next.rating = None;
            next.no_follow_up_reason = false;
            next.review_due = Some(deadline::review_answer_due(cal, now));
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
            reply_working_days: 0,
        }
    }

    fn cal() -> deadline::Calendar {
        deadline::Calendar::new([2026], &crate::domain::calendar::shipped_2026())
    }

    /// The workflow under the shipped 2026 calendar.
    fn apply(c: &CaseState, a: &CaseAction, now: i64) -> Result<(CaseState, Event), Refusal> {
        super::apply(c, a, now, &cal())
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
        let c = CaseState::new(
            CaseKind::Complaint,
            INTAKE,
            Level::Compound,
            sla(),
            T0,
            &cal(),
        );
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
        let c = CaseState::new(CaseKind::Repair, INTAKE, Level::Compound, sla(), T0, &cal());
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
        let c = CaseState::new(
            CaseKind::Complaint,
            INTAKE,
            Level::Compound,
            sla(),
            T0,
            &cal(),
        );
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
        let c = CaseState::new(
            CaseKind::Petition,
            INTAKE,
            Level::Compound,
            sla(),
            T0,
            &cal(),
        );
        let dispatched = apply(&c, &CaseAction::Dispatch { to: COMPANY }, T0)
            .unwrap()
            .0;
        assert_eq!(dispatched.dispatched_at, Some(T0));
        let due = deadline::competence_dispute_due(&cal(), T0);
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
        let complaint = CaseState::new(
            CaseKind::Complaint,
            INTAKE,
            Level::Compound,
            sla(),
            T0,
            &cal(),
        );
        let d = apply(&complaint, &CaseAction::Dispatch { to: COMPANY }, T0)
            .unwrap()
            .0;
        assert!(apply(&d, &CaseAction::Return, T0 + 100 * 86_400).is_ok());
    }

    #[test]
    fn escalation_only_goes_up() {
        let c = CaseState::new(CaseKind::Complaint, INTAKE, Level::Team, sla(), T0, &cal());
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
        let c = CaseState::new(
            CaseKind::Complaint,
            SQUAD,
            Level::Compound,
            sla(),
            T0,
            &cal(),
        );
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
        let c = CaseState::new(
            CaseKind::Complaint,
            SQUAD,
            Level::Compound,
            sla(),
            T0,
            &cal(),
        );
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
        let c = CaseState::new(
            CaseKind::Petition,
            INTAKE,
            Level::District,
            sla(),
            T0,
            &cal(),
        );
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
        let complaint = CaseState::new(
            CaseKind::Complaint,
            INTAKE,
            Level::Compound,
            sla(),
            T0,
            &cal(),
        );
        assert_eq!(
            apply(&complaint, &CaseAction::Extend { days: 5 }, T0),
            Err(Refusal::NotPetition)
        );
    }

    #[test]
    fn a_review_must_be_asked_within_30_days_of_the_reply() {
        let c = CaseState::new(
            CaseKind::Petition,
            INTAKE,
            Level::District,
            sla(),
            T0,
            &cal(),
        );
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
        let last = deadline::review_request_due(&cal(), at) - 1;
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
            let mut case = CaseState::new(kind, INTAKE, Level::Compound, sla(), T0, &cal());
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
