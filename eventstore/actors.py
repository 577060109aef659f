"""Who acts: the system (rules, scheduled jobs), a reviewer (a staff user), a merchant, or another platform
system calling with a service token (`service:<token name>`, e.g. the public-opinion monitor)."""
from dataclasses import dataclass

SYSTEM_KIND = "system"
REVIEWER_KIND = "reviewer"
MERCHANT_KIND = "merchant"
SERVICE_KIND = "service"
KINDS = (SYSTEM_KIND, REVIEWER_KIND, MERCHANT_KIND, SERVICE_KIND)


@dataclass(frozen=True)
class Actor:
    """The actor recorded in every event's metadata. `id` is a user pk or merchant id, as text."""

    kind: str
    id: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown actor kind {self.kind!r}")
        if self.kind != SYSTEM_KIND and not self.id:
            raise ValueError(f"a {self.kind} actor needs an id")

    @classmethod
    def reviewer(cls, user):
        return cls(REVIEWER_KIND, str(user.pk if hasattr(user, "pk") else user))

    @classmethod
    def merchant(cls, merchant_id):
        return cls(MERCHANT_KIND, str(merchant_id))

    @classmethod
    def service(cls, name):
        """A platform system outside RiskCase, named by its service token."""
        return cls(SERVICE_KIND, str(name))

    @property
    def is_service(self):
        return self.kind == SERVICE_KIND

    @property
    def is_system(self):
        return self.kind == SYSTEM_KIND

    @property
    def is_reviewer(self):
        return self.kind == REVIEWER_KIND

    @property
    def is_merchant(self):
        return self.kind == MERCHANT_KIND

    @property
    def user_id(self):
        """The reviewer's user pk, or None for other actors."""
        return int(self.id) if self.is_reviewer else None

    def __str__(self):
        return self.kind if self.is_system else f"{self.kind}:{self.id}"


SYSTEM = Actor(SYSTEM_KIND)
