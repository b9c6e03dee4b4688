// Sign-in at the OpenID Connect provider (authorization code with PKCE, by oidc-client-ts) and the token's lifetime.
import { UserManager, WebStorageStateStore, type User } from "oidc-client-ts";
import { ApiError, api } from "./api";
import { stop } from "./hub";
import { currentSession, saveSession, signOut, type Role, type Session } from "./session";

/** GET /api/auth/config: authority, client id and scope are there only when a browser can sign in at the provider. */
export interface AuthConfig {
  demo: boolean;
  authority: string | null;
  clientId: string | null;
  scope: string | null;
}

interface Caller {
  participantId: string;
  name: string;
  role: Role;
  kind: string;
}

let config: Promise<AuthConfig> | null = null;
let manager: UserManager | null = null;

export function authConfig(): Promise<AuthConfig> {
  config ??= api<AuthConfig>("/api/auth/config").catch((error: unknown) => {
    config = null;
    throw error;
  });
  return config;
}

export const offersProvider = (c: AuthConfig) => Boolean(c.authority && c.clientId);

/** How the sign-in button names the provider: its host. */
export const providerName = (c: AuthConfig) => (c.authority ? new URL(c.authority).host : "");

function managerFor(c: AuthConfig): UserManager {
  if (!offersProvider(c)) throw new Error("Sign-in at a provider is not configured on this server.");
  if (manager) return manager;
  manager = new UserManager({
    authority: c.authority!,
    client_id: c.clientId!,
    scope: c.scope ?? "openid profile",
    // The page itself: the static server has no other path for it, and the router lives in the fragment.
    redirect_uri: `${location.origin}/`,
    response_type: "code",
    userStore: new WebStorageStateStore({ store: sessionStorage }),
    // Renewal through a hidden frame is ruled out by the page's frame-ancestors 'none': renew by refresh token only.
    automaticSilentRenew: false,
  });
  manager.events.addAccessTokenExpiring(() => void renew());
  manager.events.addAccessTokenExpired(() => void expire());
  manager.events.addUserLoaded((user) => {
    const session = currentSession();
    if (session?.provider) saveSession({ ...session, token: user.access_token, expiresAt: expiresAt(user) });
  });
  return manager;
}

const expiresAt = (user: User) => (user.expires_at ? user.expires_at * 1000 : undefined);

/** Off to the provider; the browser comes back to this page with a code. */
export async function signInAtProvider(): Promise<void> {
  await managerFor(await authConfig()).signinRedirect();
}

/**
 * On the way back from the provider (a code or an error and the state in the query): trades the code for tokens,
 * signs in with the access token and leaves for the guidelines; a failure leaves for the sign-in page with why.
 * False when the page was not opened by the provider.
 */
export async function finishProviderSignIn(): Promise<boolean> {
  const query = new URLSearchParams(location.search);
  if (!query.has("state") || !(query.has("code") || query.has("error"))) return false;
  try {
    const users = managerFor(await authConfig());
    const user = await users.signinRedirectCallback();
    await adoptToken(user.access_token, { provider: true, expiresAt: expiresAt(user) });
    history.replaceState(null, "", "/#/guidelines");
  } catch (failure) {
    await manager?.removeUser().catch(() => undefined);
    sessionStorage.setItem(noticeKey, `Sign-in at the provider did not work: ${failure instanceof Error ? failure.message : String(failure)}`);
    history.replaceState(null, "", "/#/signin");
  }
  return true;
}

/**
 * Signs in with a token (the provider's access token, or one the server issued for an invite): the server says whom it
 * takes the token for, with the role the provider's claims map to.
 */
export async function adoptToken(token: string, extra: Partial<Session> = {}): Promise<void> {
  let caller: Caller;
  try {
    caller = await api<Caller>("/api/me", { headers: { Authorization: `Bearer ${token}` } });
  } catch (failure) {
    if (failure instanceof ApiError && failure.status === 401) {
      throw new Error("the server does not accept the provider's token (check Auth:Audience and the provider's scopes).");
    }
    throw failure;
  }
  // Signing in as someone else: the old person's connection goes first.
  await stop();
  saveSession({ token, participantId: caller.participantId, name: caller.name, role: caller.role, kind: caller.kind, ...extra });
}

/** After a reload: the library's timers watch the stored token again. */
export async function watchProviderToken(): Promise<void> {
  if (!currentSession()?.provider) return;
  const user = await managerFor(await authConfig()).getUser();
  if (!user || user.expired) await expire();
}

/** A token that has run out (or is about to): its session ends, and the sign-in page says why. */
export function hasExpired(session: Session): boolean {
  return session.expiresAt !== undefined && Date.now() >= session.expiresAt;
}

async function renew(): Promise<void> {
  const user = await manager?.getUser();
  if (!user?.refresh_token) return;
  try {
    await manager!.signinSilent();
  } catch {
    // The expired event follows and sends the person to sign in.
  }
}

export async function expire(navigate = true): Promise<void> {
  await forgetProviderUser();
  signOut();
  await stop();
  sessionStorage.setItem(noticeKey, "Your sign-in has expired. Sign in again to go on.");
  if (navigate) location.assign("#/signin");
}

export async function forgetProviderUser(): Promise<void> {
  await manager?.removeUser().catch(() => undefined);
}

const noticeKey = "jam.signin-notice";

/** A message for the sign-in page, said once. */
export function takeNotice(): string | null {
  const notice = sessionStorage.getItem(noticeKey);
  sessionStorage.removeItem(noticeKey);
  return notice;
}
