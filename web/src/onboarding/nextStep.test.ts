import { describe, expect, it } from "vitest";
import { checklist, nextStep } from "./nextStep";
import { wizardStep } from "../pages/WelcomePage";
import { status } from "./statusFixture";

describe("nextStep", () => {
  it("starts with the shop setup", () => {
    expect(nextStep(status())?.key).toBe("shop_setup");
  });

  it("walks the checklist in order as items are done", () => {
    expect(nextStep(status({ shop_setup_done: true }))?.key).toBe("email_verified");
    expect(nextStep(status({ shop_setup_done: true, email_verified: true }))?.key).toBe("created_flow");
    expect(nextStep(status({ shop_setup_done: true, email_verified: true, created_flow: true }))?.key).toBe("ran_session");
    const most = status({ shop_setup_done: true, email_verified: true, created_flow: true, ran_session: true, exported_session: true });
    expect(nextStep(most)?.key).toBe("invited_teammate");
    expect(nextStep({ ...most, invited_teammate: true })?.key).toBe("connected_psa");
  });

  it("has nothing to suggest when all is done or the checklist was dismissed", () => {
    const all = status({
      shop_setup_done: true,
      email_verified: true,
      created_flow: true,
      ran_session: true,
      exported_session: true,
      invited_teammate: true,
      connected_psa: true,
    });
    expect(nextStep(all)).toBeNull();
    expect(nextStep(status({ dismissed: true }))).toBeNull();
  });

  it("lists every checklist item with its state", () => {
    const items = checklist(status({ email_verified: true }));
    expect(items.map((item) => item.key)).toEqual([
      "shop_setup",
      "email_verified",
      "created_flow",
      "ran_session",
      "exported_session",
      "invited_teammate",
      "connected_psa",
    ]);
    expect(items.filter((item) => item.done).map((item) => item.key)).toEqual(["email_verified"]);
  });
});

describe("wizardStep", () => {
  it("resumes after the last completed step and ends after step 3 or a dismissal", () => {
    expect(wizardStep({ onboarding_step_completed: null, dismissed: false })).toBe(1);
    expect(wizardStep({ onboarding_step_completed: 1, dismissed: false })).toBe(2);
    expect(wizardStep({ onboarding_step_completed: 2, dismissed: false })).toBe(3);
    expect(wizardStep({ onboarding_step_completed: 3, dismissed: false })).toBeNull();
    expect(wizardStep({ onboarding_step_completed: 1, dismissed: true })).toBeNull();
  });
});
