from pydantic import BaseModel

from shared.api_types import IsoTime


class Usage(BaseModel):
    trees: int
    sessions_this_month: int
    ai_builds_this_month: int
    users: int
    as_of: IsoTime
