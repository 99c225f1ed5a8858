import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Static files the gateway serves (services/gateway/dist/web): no CDN, no inline script, so the
// gateway's CSP keeps `script-src 'self'`.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [preact()],
  build: { outDir: '../dist/web', emptyOutDir: true, sourcemap: true, target: 'es2022', modulePreload: { polyfill: false } },
});
