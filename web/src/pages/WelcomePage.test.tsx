import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stubApi } from "../api/testing";
import { AuthProvider } from "../auth/AuthContext";
import { status } from "../onboarding/statusFixture";
import { WelcomePage } from "./WelcomePage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderWizard() {
  render(
    <MemoryRouter initialEntries={["/welcome"]}>
      <AuthProvider>
        <Routes>
          <Route path="/welcome" element={<WelcomePage />} />
          <Route path="/" element={<p>dashboard</p>} />
        </Routes>
      </AuthProvider>
    </MemoryRouter>,
  );
}

describe("WelcomePage", () => {
  it("resumes at step 3 and keeps the invite rows that failed, each with its reason", async () => {
    const calls = stubApi({
      "GET /api/v1/users/onboarding-status": () => [200, status({ onboarding_step_completed: 2, shop_setup_done: true })],
      "POST /api/v1/accounts/me/invites/bulk": () => [
        201,
        { created: [{ id: "1", email: "new@example.com" }], failed: [{ email: "me@example.com", error: "already_member" }] },
      ],
    });
    renderWizard();

    await screen.findByRole("heading", { name: "Invite your team" });
    expect(screen.getByText("Step 3 of 3")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Teammate 1 email"), { target: { value: "new@example.com" } });
    fireEvent.click(screen.getByRole("button", { name: "Add another" }));
    fireEvent.change(screen.getByLabelText("Teammate 2 email"), { target: { value: "me@example.com" } });
    fireEvent.click(screen.getByRole("button", { name: "Send invites and finish" }));

    expect(await screen.findByText("Already a member of your team")).toBeTruthy();
    expect(screen.getByText(/1 invite sent/)).toBeTruthy();
    expect((screen.getByLabelText("Teammate 1 email") as HTMLInputElement).value).toBe("me@example.com");
    const bulk = calls.find((call) => call.key.startsWith("POST /api/v1/accounts/me/invites/bulk"));
    expect(bulk?.body).toEqual({
      invites: [
        { email: "new@example.com", role: "engineer" },
        { email: "me@example.com", role: "engineer" },
      ],
    });
  });

  it("skips the rest of the wizard and goes to the dashboard", async () => {
    const calls = stubApi({
      "GET /api/v1/users/onboarding-status": () => [200, status()],
      "POST /api/v1/users/me/onboarding-dismiss-rest": () => [200, { onboarding_step_completed: null, onboarding_dismissed: true }],
    });
    renderWizard();

    await screen.findByText("Step 1 of 3");
    fireEvent.click(screen.getByRole("button", { name: "Skip the rest" }));

    expect(await screen.findByText("dashboard")).toBeTruthy();
    expect(calls.map((call) => call.key)).toContain("POST /api/v1/users/me/onboarding-dismiss-rest");
  });
});
