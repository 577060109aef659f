"""The judgement (判定): what a warning or violation says was judged, on which numbers, under which
threshold version. One value object, produced by the rules (Finding.judgement) or a reviewer, validated
once, and carried by both case-opening events (stored flat in their data, as it always was)."""
import dataclasses
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from eventstore.errors import InvalidCommand

from .models import RiskPoint

PLACES = Decimal("0.000001")


def _amount(value, name):
    if value is None:
        return None
    if isinstance(value, float):
        raise InvalidCommand(_("%(name)s must be a Decimal, not a float.") % {"name": name})
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidCommand(_("%(name)s is not a number.") % {"name": name}) from None
    if not number.is_finite():
        raise InvalidCommand(_("%(name)s is not a finite number.") % {"name": name})
    return number.quantize(PLACES, rounding=ROUND_HALF_EVEN)


@dataclasses.dataclass(frozen=True)
class Judgement:
    merchant_id: str
    risk_point: str
    product_id: str
    window_start: date
    window_end: date
    value: Decimal | None
    threshold: Decimal | None
    threshold_version_id: int | None
    explanation: dict[str, Any]
    as_of: date

    @classmethod
    def make(cls, *, merchant_id, risk_point, window_start, window_end, as_of, product_id="", value=None,
             threshold=None, threshold_version_id=None, explanation=None):
        """A validated judgement (InvalidCommand says what is wrong)."""
        if not merchant_id:
            raise InvalidCommand(_("A merchant is required."))
        if risk_point not in RiskPoint.values:
            raise InvalidCommand(_("Unknown risk point %(risk_point)s.") % {"risk_point": risk_point})
        if window_start > window_end:
            raise InvalidCommand(_("The window starts after it ends."))
        if explanation is None:
            explanation = {}
        if not isinstance(explanation, dict):
            raise InvalidCommand(_("The explanation must be a JSON object."))
        return cls(
            merchant_id=str(merchant_id), risk_point=str(risk_point), product_id=product_id or "",
            window_start=window_start, window_end=window_end, value=_amount(value, "value"),
            threshold=_amount(threshold, "threshold"), threshold_version_id=threshold_version_id,
            explanation=explanation, as_of=as_of,
        )

    @property
    def key(self):
        """What a case is about: at most one open warning per key."""
        return {"merchant_id": self.merchant_id, "risk_point": self.risk_point, "product_id": self.product_id}

    def as_fields(self):
        """The case model's fields (Warning and Violation share them)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
