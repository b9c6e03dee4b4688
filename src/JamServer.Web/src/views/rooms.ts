// The rooms with their online and post counts, and a search over their titles.
import { api, type Room } from "../api";
import { clear, h } from "../dom";

export async function roomsView(main: HTMLElement): Promise<() => void> {
  const search = h("input", { id: "room-search", type: "search", placeholder: "Search rooms", "aria-label": "Search rooms by title" });
  const list = h("ul", { class: "rooms", "aria-label": "Rooms" });
  let rooms: Room[] = [];

  const render = () => {
    const wanted = search.value.trim().toLowerCase();
    clear(list);
    for (const room of rooms.filter((r) => r.title.toLowerCase().includes(wanted))) {
      list.append(h("li", { class: "room", "data-room": room.id },
        h("a", { href: `#/rooms/${encodeURIComponent(room.id)}` }, room.title),
        h("p", {}, room.description),
        h("p", { class: "counts" },
          h("span", { class: "online" }, `${room.online} online`), " · ",
          h("span", { class: "posts" }, `${room.posts} posts`))));
    }
    if (!list.childElementCount) list.append(h("li", { class: "empty" }, "No room matches."));
  };

  const load = async () => {
    rooms = await api<Room[]>("/api/rooms");
    render();
  };

  search.addEventListener("input", render);
  main.append(h("h1", {}, "Rooms"), h("div", { class: "toolbar" }, search), list);
  await load();
  const timer = window.setInterval(() => void load().catch(() => undefined), 10_000);
  return () => window.clearInterval(timer);
}
