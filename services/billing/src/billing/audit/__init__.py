"""The audit trail of administrative changes to billing data."""
