import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { api, ApiError } from "../api/client";
import { Field, FormError } from "../ui/forms";
import { PageTitle, PublicLayout } from "../ui/Layout";

const SOURCES: Record<string, string> = { pricing: "pricing_page", register: "register_footer" };

export function ContactSalesPage() {
  const [params] = useSearchParams();
  const source = SOURCES[params.get("from") ?? ""] ?? "landing_page";
  const [form, setForm] = useState({ name: "", email: "", company: "", team_size: "", message: "" });
  const [error, setError] = useState<string | null>(null);
  const [received, setReceived] = useState(false);
  const [busy, setBusy] = useState(false);

  const set = (key: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [key]: event.target.value });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("/sales-leads", {
        method: "POST",
        auth: false,
        body: {
          name: form.name,
          email: form.email,
          company: form.company,
          team_size: form.team_size.trim() || null,
          message: form.message.trim() || null,
          source,
        },
      });
      setReceived(true);
    } catch (exc) {
      setError(
        exc instanceof ApiError && exc.code === "rate_limited"
          ? "You have sent several requests already. Please try again later."
          : exc instanceof ApiError
            ? exc.message
            : "Something went wrong, please try again.",
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <PublicLayout>
      <PageTitle>Talk to sales</PageTitle>
      {received ? (
        <div className="alert alert-success" role="status" data-testid="lead-received">
          <h2>Thanks, {form.name.trim()}!</h2>
          <p>We have your request and will reply to {form.email.trim()} within one business day.</p>
          <Link to="/">Back to the start</Link>
        </div>
      ) : (
        <form onSubmit={(event) => void submit(event)} className="stack">
          <FormError message={error} />
          <Field label="Your name" name="name" autoComplete="name" required maxLength={255} value={form.name} onChange={set("name")} />
          <Field label="Work email" name="email" type="email" autoComplete="email" required value={form.email} onChange={set("email")} />
          <Field label="Company" name="company" autoComplete="organization" required maxLength={255} value={form.company} onChange={set("company")} />
          <Field label="Team size (optional)" name="team_size" maxLength={20} value={form.team_size} onChange={set("team_size")} />
          <div className="field">
            <label htmlFor="lead-message">How can we help? (optional)</label>
            <textarea id="lead-message" name="message" rows={4} maxLength={5000} value={form.message} onChange={set("message")} />
          </div>
          <button type="submit" className="button" disabled={busy}>
            {busy ? "Sending…" : "Send"}
          </button>
        </form>
      )}
    </PublicLayout>
  );
}
