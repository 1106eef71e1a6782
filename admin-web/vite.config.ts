// Vite build of the merchant admin web: served by the server at /admin/, built into admin-web/dist.
// Dev preview: ADMIN_API_TARGET=http://127.0.0.1:3000 npx vite --config admin-web/vite.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = process.env.ADMIN_API_TARGET ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  base: '/admin/',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // Element Plus is imported whole; one ~1 MB chunk is expected for a back-office page.
    chunkSizeWarningLimit: 1500,
  },
  server: {
    port: 5174,
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
});
