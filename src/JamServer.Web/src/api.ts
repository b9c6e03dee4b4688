// The HTTP API (docs/protocol.md): JSON in and out, errors as { code, message }.
import { currentSession } from "./session";

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await send(path, init);
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? await response.json() : await response.text()) as T;
}

export async function send(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const session = currentSession();
  if (session && !headers.has("Authorization")) headers.set("Authorization", `Bearer ${session.token}`);
  if (init.body && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  const response = await fetch(path, { ...init, headers });
  if (!response.ok) {
    let code = "UNAVAILABLE";
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      code = body.code ?? code;
      message = body.message ?? message;
    } catch {
      // Not a JSON error body: keep the status line.
    }
    throw new ApiError(response.status, code, message);
  }
  return response;
}

export const post = <T>(path: string, body: unknown) => api<T>(path, { method: "POST", body: JSON.stringify(body) });

export interface Jam {
  id: string;
  title: string;
  phase: "Scheduled" | "Discussion" | "Voting" | "Closed";
  phaseEndsAt: string | Date | null;
  serverTime: string | Date;
  voteBudget: number;
  shortlistSize: number;
}

export interface Room {
  id: string;
  title: string;
  description: string;
  online: number;
  posts: number;
}

export interface Post {
  postId: string;
  roomId: string;
  threadId: string;
  parentId: string | null;
  depth: number;
  seq: number;
  authorId: string;
  authorName: string;
  body: string;
  createdAt: string | Date;
  hidden: boolean;
}

export interface Proposal {
  proposalId: string;
  roomId: string;
  threadId: string;
  title: string;
  summary: string;
  authorName: string;
  support: number;
}

export interface TallyEntry {
  proposalId: string;
  title: string;
  roomId: string;
  votes: number;
}

/** What went wrong, for people: a hub error is "CODE: message". */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message.replace(/^[A-Z_]+: /, "");
  return String(error);
}

export function codeOf(error: unknown): string | undefined {
  if (error instanceof ApiError) return error.code;
  if (error instanceof Error) return /^([A-Z_]+): /.exec(error.message)?.[1];
  return undefined;
}
