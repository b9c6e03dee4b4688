// Every piece of user text goes into the page as a text node: a body holding <script> shows as written and runs nothing.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") {
      element.addEventListener(name.replace(/^on/, ""), value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
}

export function clear(element: Element): void {
  element.replaceChildren();
}

export function $(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element;
}

let toastTimer: number | undefined;

/** A message for the user, read out by screen readers. */
export function toast(message: string, code?: string): void {
  const box = $("toast");
  box.textContent = message;
  // The stable error code, for scripts and tests; the message is for people.
  if (code) box.dataset.code = code;
  else delete box.dataset.code;
  box.classList.add("shown");
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => box.classList.remove("shown"), 6000);
}

export function formatTime(value: string | Date): string {
  return new Date(value).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" });
}
