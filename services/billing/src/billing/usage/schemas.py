from datetime import datetime

from pydantic import BaseModel


class Usage(BaseModel):
    trees: int
    sessions_this_month: int
    ai_builds_this_month: int
    users: int
    as_of: datetime
