/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` proxies the API to a local gateway (`make run`); the built app is served by the gateway itself.
export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/api": process.env.GATEWAY_URL ?? "http://127.0.0.1:8000" } },
  build: { outDir: "dist", emptyOutDir: true },
  test: { environment: "jsdom", include: ["src/**/*.test.{ts,tsx}"] },
});
