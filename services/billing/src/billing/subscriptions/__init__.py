"""Subscriptions: each account's plan and status, its trial, and its billing contact."""
