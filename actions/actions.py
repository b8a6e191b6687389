"""Every custom action, for `rasa run actions` (which imports this module)."""

from actions.affairs import (
    ActionAnswerAffair,
    ActionAnswerDetail,
    ActionAskDistrict,
    ActionAskSituationAnswer,
    ActionCancel,
    ActionResolveAffair,
    ValidateSituationForm,
)
from actions.cases import ActionQueryCase, ValidateCaseForm
from actions.handoff import ActionHandoff
from actions.rating import ActionRate, ActionRateReason
from actions.session import ActionSessionStart

__all__ = ["ActionAnswerAffair", "ActionAnswerDetail", "ActionAskDistrict", "ActionAskSituationAnswer",
           "ActionCancel", "ActionResolveAffair", "ValidateSituationForm", "ActionQueryCase", "ValidateCaseForm",
           "ActionSessionStart", "ActionHandoff", "ActionRate", "ActionRateReason"]
