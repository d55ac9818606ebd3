"""The product upstream for the gateway benchmark: a bare ASGI app on uvicorn (uvloop + httptools) that
answers every request with a small JSON body, as cheaply as an upstream can.

    .venv/bin/python bench/echo_upstream.py --port 9000
"""

import argparse
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

Message = MutableMapping[str, Any]
BODY = json.dumps({"ok": True, "service": "echo"}).encode()


async def echo(
    scope: Message, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(echo, host="127.0.0.1", port=args.port, log_config=None, access_log=False, lifespan="off")


if __name__ == "__main__":
    main()
