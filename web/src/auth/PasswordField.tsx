import { Field } from "../ui/forms";
import { passwordRules } from "./password";

interface Props {
  label?: string;
  value: string;
  onChange: (value: string) => void;
  autoComplete?: string;
}

export function PasswordField({ label = "Password", value, onChange, autoComplete = "new-password" }: Props) {
  const rules = passwordRules(value);
  return (
    <Field
      label={label}
      type="password"
      name="password"
      required
      maxLength={128}
      autoComplete={autoComplete}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      hint={
        <ul className="rules" aria-live="polite">
          {rules.map((rule) => (
            <li key={rule.key} className={rule.met ? "met" : undefined} data-rule={rule.key}>
              <span aria-hidden="true">{rule.met ? "✓" : "•"}</span> {rule.label}
              <span className="visually-hidden">{rule.met ? " — met" : " — not met yet"}</span>
            </li>
          ))}
        </ul>
      }
    />
  );
}
