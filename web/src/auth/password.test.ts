import { describe, expect, it } from "vitest";
import { passwordRules, passwordValid } from "./password";

describe("password rules", () => {
  it("reports each rule as the user types", () => {
    const met = (value: string) => passwordRules(value).filter((rule) => rule.met).map((rule) => rule.key);
    expect(met("")).toEqual([]);
    expect(met("abc")).toEqual(["lower"]);
    expect(met("Abc1")).toEqual(["upper", "lower", "digit"]);
    expect(passwordValid("Correct-Horse-9")).toBe(true);
    expect(passwordValid("a".repeat(129) + "A1")).toBe(false);
  });
});
