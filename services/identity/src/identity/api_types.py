"""Field types of identity's request and response models beyond the shared api.md conventions."""

from typing import Annotated

from pydantic import StringConstraints

from shared.api_types import Email, IsoTime

PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]

__all__ = ["Email", "IsoTime", "PersonName"]
