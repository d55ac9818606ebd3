from shared.settings import CommonSettings, load_settings


class BillingSettings(CommonSettings):
    billing_database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/billing"
    billing_port: int = 8002
    trial_days: int = 14
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    stripe_webhook_tolerance_seconds: int = 300
    stripe_product_name_prefix: str = "Platform"


def get_settings() -> BillingSettings:
    return load_settings(BillingSettings)
