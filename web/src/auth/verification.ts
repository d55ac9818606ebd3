import type { User } from "../api/types";

/** VERIFICATION_GRACE_DAYS of config.md (its default); the gateway's 403 `email_not_verified` stays the authority. */
export const VERIFICATION_GRACE_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

export type VerificationStage = { kind: "verified" } | { kind: "grace"; endsAt: Date; daysLeft: number } | { kind: "overdue" };

export function verificationStage(user: Pick<User, "email_verified_at" | "created_at">, now: Date): VerificationStage {
  if (user.email_verified_at) return { kind: "verified" };
  const endsAt = new Date(new Date(user.created_at).getTime() + VERIFICATION_GRACE_DAYS * DAY_MS);
  const left = endsAt.getTime() - now.getTime();
  if (left <= 0) return { kind: "overdue" };
  return { kind: "grace", endsAt, daysLeft: Math.ceil(left / DAY_MS) };
}
