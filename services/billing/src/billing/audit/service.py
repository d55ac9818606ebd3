"""The audit trail of billing (shared.audit writes into billing's own `audit_log`)."""

from billing.audit.models import AuditLog
from shared.audit import AuditTrail

record = AuditTrail(AuditLog).record
