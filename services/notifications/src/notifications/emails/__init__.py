"""Email delivery: rendering, providers, the `email_messages` log and the event handlers that send."""
