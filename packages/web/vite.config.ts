/**
 * The web app's build. `npm run build` (root) writes packages/web/dist, which the server serves
 * at `/`; `npm run dev:web` starts Vite's dev server with hot reload, proxying the API (REST and
 * WebSocket) to a Parley server at PARLEY_API_URL (default http://127.0.0.1:8080).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const api = process.env.PARLEY_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: here('.'),
  resolve: {
    // Use the SDK and protocol sources directly: no prior build needed, and HMR sees changes.
    alias: {
      '@parley/client': here('../client/src/index.ts'),
      '@parley/protocol': here('../protocol/src/index.ts'),
    },
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // Hashed file names under /assets: the server serves them with a year-long cache.
    assetsDir: 'assets',
  },
  server: {
    proxy: { '/api': { target: api, ws: true, changeOrigin: false } },
  },
});
