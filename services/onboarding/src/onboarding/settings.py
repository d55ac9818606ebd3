from shared.settings import CommonSettings, load_settings


class OnboardingSettings(CommonSettings):
    onboarding_database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/onboarding"
    onboarding_port: int = 8003
    sales_lead_recipient_email: str = "sales@example.com"


def get_settings() -> OnboardingSettings:
    return load_settings(OnboardingSettings)
