from pathlib import Path

from shared.settings import CommonSettings, load_settings

PACKAGED_ROUTE_TABLE = Path(__file__).resolve().parent / "routing" / "routes.yaml"


class GatewaySettings(CommonSettings):
    gateway_port: int = 8000
    product_upstream_url: str | None = None
    entitlement_cache_ttl_seconds: float = 300.0
    cors_origins: str = "http://localhost:5173"
    route_table_file: Path = PACKAGED_ROUTE_TABLE
    upstream_timeout_seconds: float = 30.0
    upstream_connect_timeout_seconds: float = 5.0
    entitlements_timeout_seconds: float = 5.0
    max_body_bytes: int = 1024 * 1024
    # the built SPA (web/dist) served at / with an index.html fallback; unset: the gateway serves the API only
    web_dist_dir: Path | None = None

    @property
    def cors_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]


def get_settings() -> GatewaySettings:
    return load_settings(GatewaySettings)
