"""Trial reminders: `billing.trial.ending` once 4 days and once 1 day before a local trial ends."""
