"""The gateway served as `python -m gateway serve` serves it, or with the two fixes the benchmark's
profile led to undone, so both can be measured in one run under the same load:

- `sniffio` missing: httpcore then attempts `import sniffio` several times per forwarded request, and a
  failed import is not cached, so each attempt scans sys.path (reproduced here by a finder that does the
  scan and then fails);
- the route's `pipeline` dependency as a plain `def`: FastAPI then runs it in the thread pool, a thread
  hop per request.

    .venv/bin/python bench/gateway_variant.py --port 8000 [--unoptimised]
"""

import argparse
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

import uvicorn
from fastapi import FastAPI, Request

from gateway.app import create_app
from gateway.forwarding.router import Pipeline, pipeline
from gateway.settings import get_settings


class MissingSniffio(importlib.abc.MetaPathFinder):
    """Makes `import sniffio` cost what it costs when the package is absent: a sys.path scan, then failure."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "sniffio":
            return None
        importlib.machinery.PathFinder.find_spec(fullname, path)
        raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


def threaded_pipeline(request: Request) -> Pipeline:
    found: Pipeline = request.app.state.pipeline
    return found


def unoptimised_app() -> FastAPI:
    sys.modules.pop("sniffio", None)
    sys.meta_path.insert(0, MissingSniffio())
    app = create_app(get_settings())
    app.dependency_overrides[pipeline] = threaded_pipeline
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--unoptimised", action="store_true")
    args = parser.parse_args()
    factory = unoptimised_app if args.unoptimised else (lambda: create_app(get_settings()))
    # the arguments of shared.cli's `serve` (uvicorn picks uvloop and httptools, both installed)
    uvicorn.run(
        factory,
        factory=True,
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
