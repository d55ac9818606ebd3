"""Wizard progress and the setup checklist of each user."""
