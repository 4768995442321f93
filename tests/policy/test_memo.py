"""The dispatch path's shortcuts are exact: a decision is memoised only for a policy that
provably reads of the input its action, principal, resource and named context fields (keyed
on exactly those), the gate's cached input parts equal a freshly built input, and allows are
counted, not kept."""

from __future__ import annotations

import gc
import threading
import warnings
from dataclasses import replace
from pathlib import Path

import pytest

from nexus.contracts.governance import PolicyInput
from nexus.core.metrics import POLICY_DECISIONS
from nexus.governance import engine as eng
from nexus.governance.book import PolicyBook
from nexus.governance.defaults import DEFAULT_POLICY
from nexus.governance.engine import compile_policy, context_free, memo_fields
from nexus.orchestrator.gate import GateRequest, PassThroughGate
from nexus.orchestrator.policy_gate import DispatchInputs, PolicyGate, dispatch_input
from nexus.platform import build_registry
from tests.approvals.conftest import counted
from tests.approvals.skills import user_skill

HERE = Path(__file__).parent
HEAD = "package nexus.policy\nimport rego.v1\ndefault allow := false\n"


def test_what_a_policy_can_read_decides_what_is_memoised() -> None:
    assert context_free(DEFAULT_POLICY)
    assert memo_fields((HERE / "done_when.rego").read_text()) == ("estimated_cost_usd",)
    assert memo_fields(HEAD + "allow if input.context.b > input.context.a") == ("a", "b")
    assert memo_fields((HERE / "seed.rego").read_text()) is None  # input.user, input.tool
    for body in (
        'allow if input.context["run_id"] == 1',
        "allow if count(input.context) > 1",
        "allow if { some k; input.context[k] }",
        'allow if input["context"]',
        "allow if { some k, _ in input; k == 1 }",
        "allow if walk(input, [_, _])",
        "allow if time.now_ns() > 0",
        'allow if rand.intn("x", 2) == 1',
        "allow if { x := input; x.action }",
        'allow if { data.nexus.policy.p with input as {"action": 1} }',
    ):
        assert memo_fields(HEAD + body) is None, body
    assert context_free(HEAD + 'allow if { input.resource.origin == "builtin"; input.action }')


def _create(role: str, cost: float) -> PolicyInput:
    return PolicyInput.model_validate(
        {
            "action": "run.create",
            "principal": {"user_id": "u", "tenant_id": "t", "roles": [role]},
            "resource": {"kind": "pipeline", "name": "studio"},
            "context": {"estimated_cost_usd": cost},
        }
    )


def test_a_memoised_policy_answers_as_the_engine_does() -> None:
    book = PolicyBook()
    engine = compile_policy(DEFAULT_POLICY, 0)
    inputs = [_create(role, cost) for role in ("editor", "viewer", "admin") for cost in (0, 9)]
    for request in inputs * 2:  # the second pass answers from the memo
        assert book.evaluate(request) == engine.evaluate_json(request.model_dump_json())
    assert book.evaluate(_create("viewer", 0)).verdict == "deny"
    assert book.evaluate(_create("editor", 0)).verdict == "allow"
    assert len(book.default.memo) == 3  # one per principal; the context is not in the key


def test_a_policy_reading_a_context_field_is_keyed_on_it() -> None:
    book = PolicyBook()
    book.install("t", 1, (HERE / "done_when.rego").read_text())
    engine = compile_policy((HERE / "done_when.rego").read_text(), 1)
    costs = [0.1, 9.0, 0.5, 0.51, 0.1, 9.0]
    for cost in costs * 2:
        request = _create("editor", cost)
        assert book.evaluate(request) == engine.evaluate_json(request.model_dump_json())
    assert book.evaluate(_create("editor", 0.1)).verdict == "allow"
    assert book.evaluate(_create("editor", 9.0)).verdict == "needs_approval"
    assert len(book.policy_for("t").memo) == 4  # one per distinct cost
    no_cost = _create("editor", 0).model_copy(update={"context": {"run_id": "r1"}})
    other_run = _create("editor", 0).model_copy(update={"context": {"run_id": "r2"}})
    assert book.evaluate(no_cost) == book.evaluate(other_run)
    assert len(book.policy_for("t").memo) == 5  # run ids are not read: one more key


def _request(skill: str) -> GateRequest:
    return GateRequest("run_1", "job_1", "k", skill, "1", "io", "cpu", "t", "p")


def test_the_gate_input_parts_follow_the_registry() -> None:
    reg = build_registry()
    reg.add_skill(user_skill("gov.x", counted, origin="builtin"))
    inputs = DispatchInputs(reg)
    first = inputs(_request("gov.x"))
    assert first.model_dump_json() == dispatch_input(reg, _request("gov.x")).model_dump_json()
    assert first.resource.origin == "builtin"
    reg.skills["gov.x"] = replace(reg.skills["gov.x"], origin="user")  # type: ignore[call-arg]
    again = inputs(_request("gov.x"))
    assert again.resource.origin == "user"  # a replaced entry is looked up again
    assert again.model_dump_json() == dispatch_input(reg, _request("gov.x")).model_dump_json()


@pytest.mark.parametrize("origin", ["builtin", "user"])
def test_allows_are_counted_and_holds_kept_for_the_audit(origin: str) -> None:
    reg = build_registry()
    reg.add_skill(user_skill("gov.x", counted, origin=origin, tenant_id="t"))
    book = PolicyBook()
    book.install("t", 1, (HERE / "done_when.rego").read_text())
    gate = PolicyGate(PassThroughGate(), book, reg)
    verdict = "allow" if origin == "builtin" else "needs_approval"
    metric = POLICY_DECISIONS.labels("job.dispatch", verdict)
    before = metric._value.get()  # pyright: ignore[reportPrivateUsage]
    for _ in range(5):
        gate.review(_request("gov.x"))
    assert metric._value.get() == before + 5  # pyright: ignore[reportPrivateUsage]
    assert gate.counted[verdict] == 5
    assert len(gate.buffer) == (0 if verdict == "allow" else 5)


def test_a_node_running_an_uploaded_skill_is_that_skill_to_the_policy() -> None:
    reg = build_registry()
    request = GateRequest(
        "run_1", "job_1", "shot-1.subs.0", "studio.subtitle_transform", "1", "io", "cpu",
        "tenant-a", "p", {"source_key": "shot-1.clip", "skill": "upper@1.0.0", "digest": "d"},
    )  # fmt: skip
    resource = DispatchInputs(reg)(request).resource
    assert (resource.name, resource.version, resource.origin) == ("upper", "1.0.0", "user")
    assert resource.tenant_id == "tenant-a"  # the sandbox loads it from the run's tenant
    book = PolicyBook()
    book.install("tenant-a", 1, (HERE / "done_when.rego").read_text())
    gate = PolicyGate(PassThroughGate(), book, reg)
    verdict = gate.review(request)
    assert verdict.action == "hold" and "user-uploaded skill upper" in verdict.reason


def test_an_engine_dropped_on_another_thread_is_parked_and_freed_by_its_own() -> None:
    """The binding's engine may only be dropped on the thread that made it (PyO3
    unsendable); the cyclic GC may drop a policy anywhere: no unraisable error, no leak."""
    compiled = eng.compile_policy(DEFAULT_POLICY, version=1)
    holder: list[object] = [compiled]
    holder.append(holder)  # a cycle: only the cyclic collector frees it
    del compiled, holder
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        worker = threading.Thread(target=gc.collect)
        worker.start()
        worker.join()
    me = threading.get_ident()
    assert any(owner == me for owner, _ in eng._PARKED)  # pyright: ignore[reportPrivateUsage]
    eng.compile_policy(DEFAULT_POLICY, version=2)  # this thread compiles: frees its parked
    assert not any(owner == me for owner, _ in eng._PARKED)  # pyright: ignore[reportPrivateUsage]
