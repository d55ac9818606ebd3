/** The password rules of api.md, checked as the user types (the server checks them again). */
export interface PasswordRule {
  key: string;
  label: string;
  met: boolean;
}

export function passwordRules(password: string): PasswordRule[] {
  return [
    { key: "length", label: "10 to 128 characters", met: password.length >= 10 && password.length <= 128 },
    { key: "upper", label: "An upper-case letter", met: /[A-Z]/.test(password) },
    { key: "lower", label: "A lower-case letter", met: /[a-z]/.test(password) },
    { key: "digit", label: "A digit", met: /[0-9]/.test(password) },
  ];
}

export function passwordValid(password: string): boolean {
  return passwordRules(password).every((rule) => rule.met);
}
