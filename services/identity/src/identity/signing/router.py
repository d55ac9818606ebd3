from typing import Any

from fastapi import APIRouter

from identity.deps import Services

router = APIRouter(tags=["signing"])


@router.get("/.well-known/jwks.json")
async def jwks(services: Services) -> dict[str, list[dict[str, Any]]]:
    return services.keys.jwks()
