// The live hub: one SignalR connection per tab, MessagePack on the wire, back by itself after any drop.
import * as signalR from "@microsoft/signalr";
import { MessagePackHubProtocol } from "@microsoft/signalr-protocol-msgpack";
import { $ } from "./dom";
import { currentSession } from "./session";

type Handler = (...args: any[]) => void;

const handlers = new Map<string, Set<Handler>>();
const reconnectedHandlers = new Set<() => void>();
let connection: signalR.HubConnection | null = null;
let starting: Promise<void> | null = null;
let wantOnline = true;

/** Backoff with jitter, never giving up: 0.5 s, 1 s, 2 s ... up to 15 s, each ±50%. */
const forever: signalR.IRetryPolicy = {
  nextRetryDelayInMilliseconds: (context) => {
    const base = Math.min(15_000, 500 * 2 ** Math.min(context.previousRetryCount, 5));
    return base * (0.5 + Math.random());
  },
};

function showState(text: string, state: "online" | "offline" | "pending"): void {
  const box = $("connection");
  box.textContent = text;
  box.dataset.state = state;
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
  for (const [method, set] of handlers) {
    for (const handler of set) built.on(method, handler);
  }
  built.onreconnecting(() => showState("Reconnecting…", "pending"));
  built.onreconnected(() => {
    showState("Connected", "online");
    reconnectedHandlers.forEach((handler) => handler());
  });
  built.onclose(() => {
    showState(navigator.onLine ? "Disconnected" : "Offline", "offline");
    if (wantOnline && navigator.onLine) void retryStart();
  });
  return built;
}

async function retryStart(): Promise<void> {
  for (let attempt = 0; wantOnline && connection?.state === signalR.HubConnectionState.Disconnected; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, forever.nextRetryDelayInMilliseconds({ previousRetryCount: attempt, elapsedMilliseconds: 0, retryReason: new Error() }) ?? 1000));
    try {
      await start();
      reconnectedHandlers.forEach((handler) => handler());
      return;
    } catch {
      // Try again after the next pause.
    }
  }
}

/** Connects once per tab; later calls wait for the same start. */
export function start(): Promise<void> {
  wantOnline = true;
  connection ??= build();
  if (connection.state === signalR.HubConnectionState.Connected) return Promise.resolve();
  if (connection.state !== signalR.HubConnectionState.Disconnected) return starting ?? Promise.resolve();
  showState("Connecting…", "pending");
  starting = connection.start().then(
    () => showState("Connected", "online"),
    (error) => {
      showState("Disconnected", "offline");
      throw error;
    },
  );
  return starting;
}

export async function stop(): Promise<void> {
  wantOnline = false;
  await connection?.stop();
  connection = null;
}

export async function invoke<T>(method: string, ...args: unknown[]): Promise<T> {
  await start();
  return connection!.invoke<T>(method, ...args);
}

/** Listens to a push; returns what stops listening. */
export function on(method: string, handler: Handler): () => void {
  if (!handlers.has(method)) handlers.set(method, new Set());
  handlers.get(method)!.add(handler);
  connection?.on(method, handler);
  return () => {
    handlers.get(method)!.delete(handler);
    connection?.off(method, handler);
  };
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
  wantOnline = true;
  if (currentSession() && connection?.state === signalR.HubConnectionState.Disconnected) void retryStart();
});
