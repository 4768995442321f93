"""One test class per transition rule, plus the transition table itself (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nexus.contracts.errors import ErrorCode
from nexus.orchestrator import rules
from nexus.orchestrator.states import JobState as J
from nexus.orchestrator.states import RunState as R


def proposal(current: J, proposed: J, **kw: object) -> rules.JobProposal:
    base: dict[str, object] = {"run_state": R.RUNNING, "attempt": 1, "max_attempts": 3}
    base.update(kw)
    return rules.JobProposal(current=current, proposed=proposed, **base)  # type: ignore[arg-type]


class TestTransitionTable:
    def test_terminal_states_only_reopen_to_pending(self) -> None:
        for state in (J.SUCCEEDED, J.FAILED, J.CANCELLED, J.SKIPPED):
            assert rules.JOB_TRANSITIONS[state] == frozenset({J.PENDING})

    def test_illegal_transition_is_a_returned_rejection(self) -> None:
        outcome = rules.evaluate_job(proposal(J.PENDING, J.RUNNING))
        assert outcome.status == "rejected"
        assert outcome.code == ErrorCode.ILLEGAL_TRANSITION

    def test_cache_hit_goes_straight_from_pending_to_succeeded(self) -> None:
        assert rules.evaluate_job(proposal(J.PENDING, J.SUCCEEDED)).accepted

    def test_run_table(self) -> None:
        assert rules.evaluate_run(R.RUNNING, R.SUCCEEDED).accepted
        assert not rules.evaluate_run(R.SUCCEEDED, R.FAILED).accepted
        assert not rules.evaluate_run(R.PENDING, R.SUCCEEDED).accepted


class TestFenceAttempt:
    def test_current_attempt_may_finish(self) -> None:
        assert rules.evaluate_job(proposal(J.RUNNING, J.SUCCEEDED, claimed_attempt=1)).accepted

    def test_stale_attempt_is_rejected(self) -> None:
        outcome = rules.evaluate_job(proposal(J.RUNNING, J.SUCCEEDED, attempt=2, claimed_attempt=1))
        assert outcome.code == ErrorCode.STALE_ATTEMPT

    def test_a_second_claim_cannot_take_a_running_job(self) -> None:
        outcome = rules.evaluate_job(proposal(J.RUNNING, J.RUNNING, attempt=3))
        assert outcome.code == ErrorCode.ILLEGAL_TRANSITION

    def test_stale_failure_report_is_rejected(self) -> None:
        outcome = rules.evaluate_job(proposal(J.RUNNING, J.FAILED, attempt=3, claimed_attempt=2))
        assert outcome.code == ErrorCode.STALE_ATTEMPT


class TestRunMustBeActive:
    def test_no_claim_in_a_cancelled_run(self) -> None:
        outcome = rules.evaluate_job(proposal(J.READY, J.RUNNING, run_state=R.CANCELLED))
        assert outcome.code == ErrorCode.RUN_CANCELLED

    def test_compensation_may_run_while_compensating(self) -> None:
        p = proposal(J.READY, J.RUNNING, run_state=R.COMPENSATING, is_compensation=True)
        assert rules.evaluate_job(p).accepted

    def test_ordinary_job_may_not_run_while_compensating(self) -> None:
        p = proposal(J.READY, J.RUNNING, run_state=R.COMPENSATING)
        assert not rules.evaluate_job(p).accepted


class TestRetryOnlyIfAllowed:
    def test_retryable_error_with_attempts_left_is_retried(self) -> None:
        p = proposal(J.RUNNING, J.READY, error_retryable=True, attempt=1, max_attempts=3)
        assert rules.evaluate_job(p).accepted

    def test_non_retryable_error_is_not_retried(self) -> None:
        p = proposal(J.RUNNING, J.READY, error_retryable=False)
        assert rules.evaluate_job(p).code == ErrorCode.SKILL_FAILED

    def test_exhausted_attempts_are_not_retried(self) -> None:
        p = proposal(J.RUNNING, J.READY, error_retryable=True, attempt=3, max_attempts=3)
        assert rules.evaluate_job(p).code == ErrorCode.RETRIES_EXHAUSTED


class TestClaimWhenDue:
    def test_claim_before_backoff_ends_waits(self) -> None:
        now = datetime.now(UTC)
        p = proposal(J.READY, J.RUNNING, now=now, not_before=now + timedelta(seconds=5))
        assert rules.evaluate_job(p).status == "wait"

    def test_claim_after_backoff_is_accepted(self) -> None:
        now = datetime.now(UTC)
        p = proposal(J.READY, J.RUNNING, now=now, not_before=now - timedelta(seconds=1))
        assert rules.evaluate_job(p).accepted


class TestApprovalByAnotherUser:
    def test_requester_cannot_approve_own_action(self) -> None:
        p = proposal(J.AWAITING_APPROVAL, J.READY, approved_by_other=False)
        assert rules.evaluate_job(p).code == ErrorCode.FORBIDDEN

    def test_another_user_can_approve(self) -> None:
        assert rules.evaluate_job(proposal(J.AWAITING_APPROVAL, J.READY)).accepted
