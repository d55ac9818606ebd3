import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NextStepCard } from "./NextStepCard";
import { status } from "./statusFixture";

afterEach(cleanup);

describe("NextStepCard", () => {
  it("sends a new user to the setup wizard and counts the checklist", () => {
    render(<NextStepCard status={status()} />, { wrapper: MemoryRouter });
    expect(screen.getByRole("heading", { name: "Finish setting up your shop" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Continue setup" }).getAttribute("href")).toBe("/welcome");
    expect(screen.getByText("Getting started · 0 of 7")).toBeTruthy();
  });

  it("offers to resend the verification email once the shop is set up", () => {
    const resend = vi.fn();
    render(<NextStepCard status={status({ shop_setup_done: true })} onResendVerification={resend} />, { wrapper: MemoryRouter });
    fireEvent.click(screen.getByRole("button", { name: "Resend the email" }));
    expect(resend).toHaveBeenCalledOnce();
    expect(screen.getByText("Getting started · 1 of 7")).toBeTruthy();
  });

  it("renders nothing once dismissed", () => {
    const { container } = render(<NextStepCard status={status({ dismissed: true })} />, { wrapper: MemoryRouter });
    expect(container.innerHTML).toBe("");
  });
});
