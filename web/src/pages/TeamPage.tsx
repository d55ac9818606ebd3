import { useState, type FormEvent } from "react";
import { api, ApiError } from "../api/client";
import { useApi } from "../api/hooks";
import type { Invite, Member } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { day } from "../billing/format";
import { Field, FormError, Notice, Select } from "../ui/forms";
import { PageTitle } from "../ui/Layout";
import { Loading } from "../ui/RequireAuth";

const ROLES = [
  { value: "engineer", label: "Engineer" },
  { value: "admin", label: "Admin" },
  { value: "viewer", label: "Viewer" },
];

export function TeamPage() {
  const { user, reloadUser } = useAuth();
  const members = useApi<Member[]>("/accounts/me/members");
  const isOwner = user?.account_role === "owner";
  const invites = useApi<Invite[]>(isOwner ? "/accounts/me/invites" : null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function act(work: () => Promise<unknown>, done: string) {
    setError(null);
    setNotice(null);
    try {
      await work();
      setNotice(done);
      invites.reload();
      members.reload();
    } catch (exc) {
      setError(exc instanceof ApiError ? exc.message : "Something went wrong.");
    }
  }

  if (members.loading) return <Loading />;
  return (
    <div className="stack">
      <PageTitle>Team</PageTitle>
      <FormError message={error} />
      {notice && <Notice>{notice}</Notice>}
      <section className="card" aria-labelledby="members-title">
        <h2 id="members-title">Members</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
            </tr>
          </thead>
          <tbody>
            {(members.data ?? []).map((member) => (
              <tr key={member.id}>
                <td>{member.name}</td>
                <td>{member.email}</td>
                <td>{member.account_role}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {isOwner && (
        <>
          <InviteForm onSend={(email, role) => act(() => api("/accounts/me/invites", { method: "POST", body: { email, role } }), `Invite sent to ${email}.`)} />
          <section className="card" aria-labelledby="invites-title">
            <h2 id="invites-title">Invites</h2>
            {(invites.data ?? []).filter((invite) => invite.status === "pending").length === 0 ? (
              <p className="muted">No pending invites.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Expires</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {(invites.data ?? [])
                    .filter((invite) => invite.status === "pending")
                    .map((invite) => (
                      <tr key={invite.id}>
                        <td>{invite.email}</td>
                        <td>{invite.role}</td>
                        <td>{day(invite.expires_at)}</td>
                        <td className="row">
                          <button
                            type="button"
                            className="link-button"
                            onClick={() => void act(() => api(`/accounts/me/invites/${invite.id}/resend`, { method: "POST" }), `Invite resent to ${invite.email}.`)}
                          >
                            Resend<span className="visually-hidden"> to {invite.email}</span>
                          </button>
                          <button
                            type="button"
                            className="link-button danger"
                            onClick={() => void act(() => api(`/accounts/me/invites/${invite.id}`, { method: "DELETE" }), `Invite to ${invite.email} revoked.`)}
                          >
                            Revoke<span className="visually-hidden"> invite to {invite.email}</span>
                          </button>
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            )}
          </section>
          <TransferForm
            members={(members.data ?? []).filter((member) => member.id !== user?.id)}
            needsPassword={user?.has_password ?? true}
            onTransfer={(newOwnerId, password) =>
              act(async () => {
                await api("/accounts/me/transfer-ownership", { method: "POST", body: { new_owner_id: newOwnerId, password } });
                await reloadUser();
              }, "Ownership transferred.")
            }
          />
        </>
      )}
    </div>
  );
}

function InviteForm({ onSend }: { onSend: (email: string, role: string) => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("engineer");
  async function submit(event: FormEvent) {
    event.preventDefault();
    await onSend(email.trim(), role);
    setEmail("");
  }
  return (
    <form className="card stack" aria-labelledby="invite-title" onSubmit={(event) => void submit(event)}>
      <h2 id="invite-title">Invite a teammate</h2>
      <div className="invite-row">
        <Field label="Email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Select label="Role" value={role} onChange={setRole} options={ROLES} />
      </div>
      <button type="submit" className="button">
        Send invite
      </button>
    </form>
  );
}

function TransferForm({
  members,
  needsPassword,
  onTransfer,
}: {
  members: Member[];
  needsPassword: boolean;
  onTransfer: (newOwnerId: string, password: string | null) => Promise<void>;
}) {
  const [target, setTarget] = useState("");
  const [password, setPassword] = useState("");
  if (members.length === 0) return null;
  const chosen = target || members[0].id;
  return (
    <form
      className="card stack"
      aria-labelledby="transfer-title"
      onSubmit={(event) => {
        event.preventDefault();
        void onTransfer(chosen, needsPassword ? password : null);
      }}
    >
      <h2 id="transfer-title">Transfer ownership</h2>
      <p className="muted">You will become an admin. The new owner manages billing and invites.</p>
      <Select label="New owner" value={chosen} onChange={setTarget} options={members.map((m) => ({ value: m.id, label: `${m.name} (${m.email})` }))} />
      {needsPassword && (
        <Field label="Your password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      )}
      <button type="submit" className="button button-danger">
        Transfer ownership
      </button>
    </form>
  );
}
