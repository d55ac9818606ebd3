import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stubApi } from "../api/testing";
import { AuthProvider } from "../auth/AuthContext";
import { LoginPage } from "./LoginPage";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("LoginPage", () => {
  it("offers the linked provider when the account has no password", async () => {
    stubApi({
      "GET /api/v1/config/public": () => [200, { self_serve_enabled: true, oauth_providers: ["google", "microsoft"] }],
      "POST /api/v1/auth/login/json": () => [400, { detail: { error: "use_oauth_provider", providers: ["google"] } }],
    });
    render(
      <MemoryRouter>
        <AuthProvider>
          <LoginPage />
        </AuthProvider>
      </MemoryRouter>,
    );
    fireEvent.change(screen.getByLabelText("Email"), { target: { value: "o@example.com" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "whatever-1A" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));

    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("signs in with a provider");
    expect(screen.getByRole("button", { name: "Sign in with Google" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Sign in with Microsoft" })).toBeNull();
  });
});
