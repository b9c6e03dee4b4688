// Who is signed in, per browser tab.

export type Role = "participant" | "moderator" | "executive" | "organizer";

export interface Session {
  token: string;
  participantId: string;
  name: string;
  role: Role;
  kind: string;
  guidelinesAccepted?: boolean;
}

const key = "jam.session";

export function currentSession(): Session | null {
  const stored = sessionStorage.getItem(key);
  return stored ? (JSON.parse(stored) as Session) : null;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(key, JSON.stringify(session));
}

export function signOut(): void {
  sessionStorage.removeItem(key);
}

export const moderates = (s: Session | null) => s?.role === "moderator" || s?.role === "organizer";
export const seesShortlist = (s: Session | null) => s?.role === "executive" || s?.role === "organizer";
