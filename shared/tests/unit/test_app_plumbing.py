import httpx
from fastapi import FastAPI
from pydantic import BaseModel, Field

from shared.errors import ApiError, install_error_handlers
from shared.log import RequestIdMiddleware


class Teapot(ApiError):
    status_code = 418
    detail = {"error": "teapot"}


class Body(BaseModel):
    name: str = Field(min_length=1)
    seats: int


def make_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestIdMiddleware)

    @app.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"name": body.name}

    @app.get("/teapot")
    async def teapot() -> None:
        raise Teapot()

    @app.get("/boom")
    async def boom() -> None:
        raise ValueError("secret internals")

    return app


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app(), raise_app_exceptions=False), base_url="http://t"
    )


async def test_invalid_body_is_422_with_field_details() -> None:
    async with client() as c:
        response = await c.post("/things", json={"name": "", "seats": "many"})
    assert response.status_code == 422
    locs = [tuple(d["loc"]) for d in response.json()["detail"]]
    assert ("body", "name") in locs
    assert ("body", "seats") in locs


async def test_malformed_json_is_422_not_500() -> None:
    async with client() as c:
        response = await c.post("/things", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


async def test_domain_error_renders_its_code() -> None:
    async with client() as c:
        response = await c.get("/teapot")
    assert response.status_code == 418
    assert response.json() == {"detail": {"error": "teapot"}}


async def test_unexpected_error_is_json_500_without_internals() -> None:
    async with client() as c:
        response = await c.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}


async def test_client_request_id_is_kept_and_echoed() -> None:
    async with client() as c:
        response = await c.get("/teapot", headers={"X-Request-Id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_malformed_request_id_is_replaced() -> None:
    async with client() as c:
        response = await c.get("/teapot", headers={"X-Request-Id": "bad id!"})
    assert response.headers["x-request-id"] != "bad id!"
    assert len(response.headers["x-request-id"]) == 36


async def test_unknown_route_is_json_404() -> None:
    async with client() as c:
        response = await c.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


async def test_protected_route_answers_503_when_signing_keys_cannot_be_fetched() -> None:
    from shared.auth import CurrentClaims, JwksCache, TokenVerifier
    from shared.clock import SystemClock
    from shared.testing import TestSigner

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    app = make_app()

    @app.get("/mine")
    async def mine(claims: CurrentClaims) -> dict[str, str]:
        return {"user": str(claims.user_id)}

    async with httpx.AsyncClient(transport=httpx.MockTransport(down)) as http:
        app.state.token_verifier = TokenVerifier(JwksCache("http://identity/jwks", http), SystemClock())
        token = TestSigner().access_token()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/mine", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert response.json() == {"detail": {"error": "auth_unavailable"}}
