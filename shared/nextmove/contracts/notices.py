"""What NextMove tells partners on the recommendations topic besides recommendations.

Each notice has its own ``message_type`` message attribute (and ``tenant``), and no
``kind``: the email queue's subscription filters on ``kind``, so a notice never reaches
the notifier, and a partner subscribes to notices with a filter on ``message_type``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from nextmove.contracts.events import Identifier

EMAIL_UNSUBSCRIBED = "email.unsubscribed"


class EmailUnsubscribed(BaseModel):
    """The person clicked the unsubscribe link in a NextMove email: NextMove sends them
    no more email until a ``profile.updated`` newer than ``at`` (with email on) asks for
    it again. The partner's preferences page should show email as off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["email.unsubscribed"] = "email.unsubscribed"
    tenant: Identifier
    person_id: Identifier
    at: AwareDatetime
