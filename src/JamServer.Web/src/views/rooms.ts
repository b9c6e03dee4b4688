// The rooms with their online and post counts, and a search over their titles.
import { api, type Room } from "../api";
import { clear, h } from "../dom";

export async function roomsView(main: HTMLElement, _params: string[], onLeave: (undo: () => void) => void): Promise<void> {
  const search = h("input", { id: "room-search", type: "search", placeholder: "Search rooms", "aria-label": "Search rooms by title" });
  const list = h("ul", { class: "rooms", "aria-label": "Rooms" });
  const items = new Map<string, HTMLElement>();
  let rooms: Room[] = [];

  const counts = (room: Room) => [
    h("span", { class: "online" }, `${room.online} online`), " · ", h("span", { class: "posts" }, `${room.posts} posts`),
  ];

  const render = () => {
    const wanted = search.value.trim().toLowerCase();
    clear(list);
    items.clear();
    for (const room of rooms.filter((r) => r.title.toLowerCase().includes(wanted))) {
      const item = h("li", { class: "room", "data-room": room.id },
        h("a", { href: `#/rooms/${encodeURIComponent(room.id)}` }, room.title),
        h("p", {}, room.description),
        h("p", { class: "counts" }, ...counts(room)));
      items.set(room.id, item);
      list.append(item);
    }
    if (!list.childElementCount) list.append(h("li", { class: "empty" }, "No room matches."));
  };

  // Counts change in place, so a keyboard user's focus stays where it is.
  const refresh = async () => {
    rooms = await api<Room[]>("/api/rooms");
    for (const room of rooms) {
      items.get(room.id)?.querySelector(".counts")?.replaceChildren(...counts(room));
    }
  };

  search.addEventListener("input", render);
  main.append(h("h1", {}, "Rooms"), h("div", { class: "toolbar" }, search), list);
  rooms = await api<Room[]>("/api/rooms");
  render();
  const timer = window.setInterval(() => void refresh().catch(() => undefined), 10_000);
  onLeave(() => window.clearInterval(timer));
}
