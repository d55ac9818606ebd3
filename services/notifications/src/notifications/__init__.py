"""Notifications: outbound email — templates, providers (SMTP, Resend), the delivery log, retries."""
