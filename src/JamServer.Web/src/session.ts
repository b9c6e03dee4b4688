// Who is signed in, per browser tab.

export type Role = "participant" | "moderator" | "executive" | "organizer";

export interface Session {
  token: string;
  participantId: string;
  name: string;
  role: Role;
  kind: string;
  guidelinesAccepted?: boolean;
  /** Signed in at the OpenID Connect provider: the token is its access token. */
  provider?: boolean;
  /** When the token runs out (ms since the epoch); unset for the server's own tokens, which outlive a tab. */
  expiresAt?: number;
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
