import { Link } from "react-router-dom";
import type { OnboardingStatus } from "../api/types";
import { checklist, nextStep } from "./nextStep";

interface Props {
  status: OnboardingStatus;
  onResendVerification?: () => void;
  onDismiss?: () => void;
}

export function NextStepCard({ status, onResendVerification, onDismiss }: Props) {
  const step = nextStep(status);
  if (!step) return null;
  const items = checklist(status);
  const done = items.filter((item) => item.done).length;
  return (
    <section className="card" aria-labelledby="next-step-title" data-testid="next-step" data-step={step.key}>
      <p className="eyebrow">Next step</p>
      <h2 id="next-step-title">{step.title}</h2>
      <p>{step.body}</p>
      {step.key === "email_verified" && onResendVerification ? (
        <button type="button" className="button" onClick={onResendVerification}>
          {step.action}
        </button>
      ) : (
        <Link className="button" to={step.href}>
          {step.action}
        </Link>
      )}
      <h3 className="checklist-title">
        Getting started · {done} of {items.length}
      </h3>
      <ul className="checklist">
        {items.map((item) => (
          <li key={item.key} className={item.done ? "done" : undefined}>
            <span aria-hidden="true">{item.done ? "✓" : "○"}</span> {item.label}
            <span className="visually-hidden">{item.done ? " (done)" : " (to do)"}</span>
          </li>
        ))}
      </ul>
      {onDismiss && (
        <button type="button" className="link-button" onClick={onDismiss}>
          Hide the checklist
        </button>
      )}
    </section>
  );
}
