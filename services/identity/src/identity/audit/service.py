"""The audit trail of identity (shared.audit writes into identity's own `audit_log`)."""

from identity.audit.models import AuditEntry
from shared.audit import AuditTrail

record = AuditTrail(AuditEntry).record
