"""The RS256 signing keys: read from settings or a local file (generated once), published as JWKS."""

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from shared.auth import ALGORITHM, InvalidToken

KEY_BITS = 2048
_PEM_BLOCK = re.compile(r"-----BEGIN (?:RSA )?PRIVATE KEY-----.+?-----END (?:RSA )?PRIVATE KEY-----", re.DOTALL)


def parse_private_keys(text: str) -> list[RSAKey]:
    """Every PEM private key in `text`, in order, each with `kid` = its RFC 7638 thumbprint."""
    blocks = _PEM_BLOCK.findall(text)
    if not blocks:
        raise ValueError("no PEM private key found")
    keys = []
    for block in blocks:
        try:
            key = RSAKey.import_key(block)
        except (JoseError, ValueError, TypeError) as exc:
            raise ValueError(f"not an RSA private key: {type(exc).__name__}") from None
        if not key.is_private:
            raise ValueError("a public key was given where a private key is needed")
        if key.raw_value.key_size < KEY_BITS:
            raise ValueError(f"RSA keys must have at least {KEY_BITS} bits")
        keys.append(RSAKey.import_key(block, parameters={"kid": key.thumbprint(), "use": "sig", "alg": ALGORITHM}))
    return keys


def load_or_create_key_file(path: Path) -> str:
    """The PEM text of `path`, generating a fresh key there (mode 0600) when the file is missing."""
    if path.exists():
        return path.read_text()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = RSAKey.generate_key(KEY_BITS).as_pem(private=True).decode()
    # O_EXCL: when two processes start at once, one writes and the other reads its key
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text()
    with os.fdopen(fd, "w") as handle:
        handle.write(pem)
    return pem


@dataclass(frozen=True)
class SigningKeys:
    """The first key signs; all verify and are published."""

    keys: tuple[RSAKey, ...]

    @classmethod
    def load(cls, private_key: str | None, key_file: str) -> "SigningKeys":
        text = private_key if private_key else load_or_create_key_file(Path(key_file))
        return cls(tuple(parse_private_keys(text)))

    @property
    def signing_key(self) -> RSAKey:
        return self.keys[0]

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        published = []
        for key in self.keys:
            public = key.as_dict(private=False)
            published.append(
                {"kty": "RSA", "kid": key.kid, "use": "sig", "alg": ALGORITHM, "n": public["n"], "e": public["e"]}
            )
        return {"keys": published}


class LocalKeySource:
    """A `shared.auth.KeySource` over identity's own keys (no HTTP round trip to itself)."""

    def __init__(self, keys: SigningKeys) -> None:
        self._by_kid = {str(k.kid): k for k in keys.keys}

    async def key(self, kid: str) -> RSAKey:
        if kid not in self._by_kid:
            raise InvalidToken("unknown kid")
        return self._by_kid[kid]
