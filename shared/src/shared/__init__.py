"""Plumbing shared by every service: no business rules live here."""
