// The live hub: one SignalR connection per tab, MessagePack on the wire, back by itself after any drop.
import * as signalR from "@microsoft/signalr";
import { MessagePackHubProtocol } from "@microsoft/signalr-protocol-msgpack";
import { $ } from "./dom";
import { currentSession } from "./session";

type Handler = (...args: any[]) => void;

const handlers = new Map<string, Set<Handler>>();
const reconnectedHandlers = new Set<() => void>();
const lastPush = new Map<string, unknown[]>();
let connection: signalR.HubConnection | null = null;
let starting: Promise<void> | null = null;
let waiters: (() => void)[] = [];
let wantOnline = true;
let retrying = false;

/**
 * Exponential backoff with full jitter, never giving up: a pause drawn evenly from 0 to 1 s, 2 s, 4 s ... at most
 * 15 s. After a server restart thousands of tabs retry at once; full jitter spreads them over the whole window, so
 * the server's admission control (503 with Retry-After, docs/protocol.md) lets them in at its pace. A browser cannot
 * read the status or Retry-After of a refused WebSocket, so the pause is the tab's own.
 */
const maxPauseMs = 15_000;
const delayAfter = (attempt: number) => Math.random() * Math.min(maxPauseMs, 1_000 * 2 ** Math.min(attempt, 4));
const forever: signalR.IRetryPolicy = { nextRetryDelayInMilliseconds: (context) => delayAfter(context.previousRetryCount) };

function showState(text: string, state: "online" | "offline" | "pending"): void {
  const box = $("connection");
  box.textContent = text;
  box.dataset.state = state;
}

function connected(): void {
  showState("Connected", "online");
  waiters.splice(0).forEach((resolve) => resolve());
}

function build(): signalR.HubConnection {
  const built = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/jam", {
      accessTokenFactory: () => currentSession()?.token ?? "",
      transport: signalR.HttpTransportType.WebSockets,
      skipNegotiation: true,
    })
    .withHubProtocol(new MessagePackHubProtocol())
    .withAutomaticReconnect(forever)
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  for (const method of handlers.keys()) {
    built.on(method, (...args: unknown[]) => dispatch(method, args));
  }
  built.onreconnecting(() => showState("Reconnecting…", "pending"));
  built.onreconnected(() => {
    const box = $("connection");
    box.dataset.reconnects = String(Number(box.dataset.reconnects ?? 0) + 1);
    connected();
    reconnectedHandlers.forEach((handler) => handler());
  });
  built.onclose(() => {
    showState(navigator.onLine ? "Disconnected" : "Offline", "offline");
    if (wantOnline && navigator.onLine) void retryStart();
  });
  return built;
}

function dispatch(method: string, args: unknown[]): void {
  lastPush.set(method, args);
  handlers.get(method)?.forEach((handler) => handler(...args));
}

/** Starts again after a close or a failed start, pausing longer each time; then tells the views to catch up. */
async function retryStart(): Promise<void> {
  if (retrying) return;
  retrying = true;
  try {
    for (let attempt = 0; wantOnline && navigator.onLine && connection?.state === signalR.HubConnectionState.Disconnected; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, delayAfter(attempt)));
      try {
        await start();
        reconnectedHandlers.forEach((handler) => handler());
        return;
      } catch {
        // Try again after the next pause.
      }
    }
  } finally {
    retrying = false;
  }
}

/** Resolves once connected: starts the connection when it is down, or waits for a reconnect under way. */
export function start(): Promise<void> {
  wantOnline = true;
  connection ??= build();
  switch (connection.state) {
    case signalR.HubConnectionState.Connected:
      return Promise.resolve();
    case signalR.HubConnectionState.Disconnected:
      break;
    default:
      return new Promise((resolve) => waiters.push(resolve));
  }

  showState("Connecting…", "pending");
  starting = connection.start().then(connected, (error) => {
    showState(navigator.onLine ? "Disconnected" : "Offline", "offline");
    void retryStart();
    throw error;
  });
  return starting;
}

export async function stop(): Promise<void> {
  wantOnline = false;
  const closing = connection;
  connection = null;
  waiters = [];
  lastPush.clear();
  await closing?.stop();
}

/** Calls safe to repeat, sent again when the server sheds them for a moment (UNAVAILABLE, RATE_LIMITED). */
const repeatable = new Set(["JoinRoom", "LeaveRoom"]);

export async function invoke<T>(method: string, ...args: unknown[]): Promise<T> {
  if (!currentSession()) throw new Error("Sign in first.");
  for (let attempt = 0; ; attempt++) {
    await start();
    try {
      return await connection!.invoke<T>(method, ...args);
    } catch (error) {
      const told = shedFor(error);
      if (!repeatable.has(method) || told === null || attempt >= 5) throw error;
      // A reconnect storm: the server says when to come back; the jitter keeps tabs refused together apart.
      await new Promise((resolve) => setTimeout(resolve, told * 1000 + delayAfter(attempt)));
    }
  }
}

/** The seconds to wait of a call the server shed ("UNAVAILABLE: ... retry after 2 s."), or null for any other error. */
function shedFor(error: unknown): number | null {
  const message = error instanceof Error ? error.message : String(error);
  if (!/\b(UNAVAILABLE|RATE_LIMITED):/.test(message)) return null;
  const seconds = /retry after (\d+) s/.exec(message);
  return seconds ? Number(seconds[1]) : 1;
}

/** Listens to a push; returns what stops listening. */
export function on(method: string, handler: Handler): () => void {
  if (!handlers.has(method)) {
    handlers.set(method, new Set());
    connection?.on(method, (...args: unknown[]) => dispatch(method, args));
  }
  handlers.get(method)!.add(handler);
  return () => handlers.get(method)!.delete(handler);
}

/** The last push of a method this tab received (a view opened later starts from it). */
export function last<T>(method: string): T | undefined {
  return lastPush.get(method)?.[0] as T | undefined;
}

/** Runs after every reconnect, so a view can catch up on what it missed. */
export function onReconnected(handler: () => void): () => void {
  reconnectedHandlers.add(handler);
  return () => reconnectedHandlers.delete(handler);
}

// The browser knows first when the network goes: stop, and come back with a catch-up when it returns.
window.addEventListener("offline", () => {
  showState("Offline", "offline");
  void connection?.stop();
});
window.addEventListener("online", () => {
  if (currentSession() && wantOnline && connection?.state === signalR.HubConnectionState.Disconnected) void retryStart();
});
