"""Onboarding: welcome-wizard progress, shop profile, setup checklist, sales leads."""
