"""The built web app (`WEB_DIST_DIR`), served beside the API: its files as they are, and `index.html` for
every other GET/HEAD path outside the API so the SPA's own router resolves it. `/api/*` and the gateway's own
`/healthz`, `/readyz`, `/metrics` always reach the app underneath: an unknown `/api/v1/*` stays a 404 JSON."""

from pathlib import Path

from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

INDEX = "index.html"
# Vite's output: content-hashed names under assets/ never change meaning, index.html must be re-read each time
ASSET_PREFIX = "/assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
API_PREFIX = "/api"
# the gateway's own routes, answered by the app itself
OWN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class WebDistError(ValueError):
    """WEB_DIST_DIR does not hold a built app."""


def checked_dist_dir(dist_dir: Path) -> Path:
    root = dist_dir.resolve()
    if not (root / INDEX).is_file():
        raise WebDistError(f"WEB_DIST_DIR {dist_dir} has no {INDEX} (build the app first: make web)")
    return root


def is_static_path(method: str, path: str) -> bool:
    if method not in ("GET", "HEAD"):
        return False
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return False
    return path not in OWN_PATHS


def resolve_file(root: Path, path: str) -> Path | None:
    """The file under `root` that `path` names, or None; never a path outside `root`."""
    relative = path.lstrip("/")
    if not relative:
        return None
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def static_response(root: Path, path: str) -> Response:
    found = resolve_file(root, path)
    if found is not None:
        cache = IMMUTABLE if path.startswith(ASSET_PREFIX) else NO_CACHE
        return FileResponse(found, headers={"Cache-Control": cache})
    if "." in path.rsplit("/", 1)[-1]:
        # a missing file (a stale asset, a favicon) is a 404, not the app's HTML under the wrong type
        return PlainTextResponse("Not Found", status_code=404)
    return FileResponse(root / INDEX, headers={"Cache-Control": NO_CACHE})


class WebAppMiddleware:
    def __init__(self, app: ASGIApp, dist_dir: Path) -> None:
        self.app = app
        self.root = checked_dist_dir(dist_dir)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_static_path(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        await static_response(self.root, scope["path"])(scope, receive, send)
