"""The dossier lifecycle in one table (DESIGN: Lifecycle; STYLE: one write path).

Each action names the states it may start from, the state it leads to (``None``: the state
is decided by the service, e.g. a supplement returns to where the dossier was) and who may
take it: the citizen who filed (or owns) the dossier, or an officer holding a role at the
dossier's receiving agency or at the agency handling it now (for the internal steps: the
agency of the active step), or — answering a consultation — at the agency asked.

The internal process (assign, transfer, consult, answer, complete a step) keeps the dossier
``in_process``: those are events, not states (DESIGN: Lifecycle). Their services refine the
actors below: the leader of the active step's agency assigns; the assignee (or, unassigned,
a holder of the step's role there) completes; officers of a consulted agency answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from motcua.accounts.models import Role

from .models import State


class Action(StrEnum):
    SUBMIT = "submit"
    RECEIVE = "receive"
    REQUEST_SUPPLEMENT = "request-supplement"
    SUPPLEMENT = "supplement"
    REFUSE = "refuse"
    ROUTE = "route"
    REQUEST_PAYMENT = "request-payment"
    CONFIRM_PAYMENT = "confirm-payment"
    STOP = "stop"
    WITHDRAW = "withdraw"
    APOLOGISE = "apologise"
    RESULT_READY = "result-ready"
    RETURN_RESULT = "return-result"
    ASSIGN = "assign"
    TRANSFER = "transfer"
    CONSULT = "consult"
    ANSWER_CONSULTATION = "answer-consultation"
    COMPLETE_STEP = "complete-step"


CITIZEN = "citizen"
RECEIVING, CURRENT = "receiving", "current"
# An agency asked for its opinion on the dossier (``Consultation.agency``); checked by
# ``services.answer_consultation`` itself, not by ``lock_for_action``.
CONSULTED = "consulted"


@dataclass(frozen=True)
class Actor:
    """``citizen``, or an officer ``role`` at the ``receiving``, ``current`` or ``consulted``
    agency."""

    kind: str
    role: Role | None = None
    where: str = ""


def officer(role: Role, where: str) -> Actor:
    return Actor("officer", role, where)


@dataclass(frozen=True)
class Rule:
    sources: frozenset[State]
    target: State | None
    actors: tuple[Actor, ...]


_S = State
_OPEN = frozenset(
    {_S.SUBMITTED, _S.RECEIVED, _S.IN_PROCESS, _S.SUPPLEMENT_REQUESTED, _S.AWAITING_PAYMENT}
)
ONE_STOP_AT_RECEIVING = officer(Role.ONE_STOP_OFFICER, RECEIVING)
_OFFICER_ROLES = (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.LEADER)
ANY_OFFICER_AT_CURRENT = tuple(officer(role, CURRENT) for role in _OFFICER_ROLES)
_IN_PROCESS = frozenset({_S.IN_PROCESS})

TRANSITIONS: dict[Action, Rule] = {
    Action.SUBMIT: Rule(frozenset({_S.DRAFT}), _S.SUBMITTED, (Actor(CITIZEN),)),
    Action.RECEIVE: Rule(frozenset({_S.SUBMITTED}), _S.RECEIVED, (ONE_STOP_AT_RECEIVING,)),
    # At reception (submitted: the clock never started) or during processing (DESIGN: Clock).
    Action.REQUEST_SUPPLEMENT: Rule(
        frozenset({_S.SUBMITTED, _S.RECEIVED, _S.IN_PROCESS}),
        _S.SUPPLEMENT_REQUESTED,
        (ONE_STOP_AT_RECEIVING, officer(Role.SPECIALIST, CURRENT)),
    ),
    # The applicant answers online, or brings the papers to the desk, where the one-stop
    # officer scans them in (a walk-in applicant may have no account at all).
    Action.SUPPLEMENT: Rule(
        frozenset({_S.SUPPLEMENT_REQUESTED}), None, (Actor(CITIZEN), ONE_STOP_AT_RECEIVING)
    ),
    Action.REFUSE: Rule(
        frozenset({_S.SUBMITTED, _S.SUPPLEMENT_REQUESTED}), _S.REFUSED, (ONE_STOP_AT_RECEIVING,)
    ),
    Action.ROUTE: Rule(frozenset({_S.RECEIVED}), _S.IN_PROCESS, (ONE_STOP_AT_RECEIVING,)),
    Action.REQUEST_PAYMENT: Rule(
        frozenset({_S.RECEIVED, _S.IN_PROCESS, _S.RESULT_READY}),
        _S.AWAITING_PAYMENT,
        (ONE_STOP_AT_RECEIVING, officer(Role.SPECIALIST, CURRENT)),
    ),
    Action.CONFIRM_PAYMENT: Rule(frozenset({_S.AWAITING_PAYMENT}), None, (ONE_STOP_AT_RECEIVING,)),
    Action.STOP: Rule(_OPEN - {_S.SUBMITTED}, _S.STOPPED, (officer(Role.LEADER, CURRENT),)),
    Action.WITHDRAW: Rule(_OPEN, _S.WITHDRAWN, (Actor(CITIZEN),)),
    Action.APOLOGISE: Rule(
        frozenset({_S.RECEIVED, _S.IN_PROCESS, _S.SUPPLEMENT_REQUESTED, _S.AWAITING_PAYMENT}),
        None,
        (officer(Role.LEADER, CURRENT), ONE_STOP_AT_RECEIVING),
    ),
    Action.RESULT_READY: Rule(
        frozenset({_S.IN_PROCESS}), _S.RESULT_READY, (officer(Role.LEADER, CURRENT),)
    ),
    Action.RETURN_RESULT: Rule(frozenset({_S.RESULT_READY}), _S.RETURNED, (ONE_STOP_AT_RECEIVING,)),
    # The internal process (issue 3 §4); the dossier stays in process.
    Action.ASSIGN: Rule(_IN_PROCESS, _S.IN_PROCESS, (officer(Role.LEADER, CURRENT),)),
    Action.TRANSFER: Rule(_IN_PROCESS, _S.IN_PROCESS, ANY_OFFICER_AT_CURRENT),
    Action.CONSULT: Rule(_IN_PROCESS, _S.IN_PROCESS, ANY_OFFICER_AT_CURRENT),
    Action.ANSWER_CONSULTATION: Rule(
        _IN_PROCESS, _S.IN_PROCESS, tuple(officer(role, CONSULTED) for role in _OFFICER_ROLES)
    ),
    Action.COMPLETE_STEP: Rule(_IN_PROCESS, _S.IN_PROCESS, ANY_OFFICER_AT_CURRENT),
}


def allowed_from(state: State) -> list[Action]:
    return [action for action, rule in TRANSITIONS.items() if state in rule.sources]
