import { defineConfig } from "vite";

// The built client is served by the server from its wwwroot; nothing is fetched at run time.
export default defineConfig({
  build: {
    outDir: "../JamServer/wwwroot",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:5080",
      "/hubs": { target: "http://127.0.0.1:5080", ws: true },
    },
  },
});
