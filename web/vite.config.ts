import { defineConfig } from 'vite';

// Served by the API under /app (api/src/routes/web-app.ts). No dev server is needed:
// `pnpm run build` writes dist/, which `pnpm start` serves.
export default defineConfig({
  base: '/app/',
  // Preact through the automatic JSX runtime: no framework plugin to install.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One bundle for the shell and one for the editor (Tiptap + Yjs), loaded when a
    // document opens; the limit is the editor's size.
    chunkSizeWarningLimit: 700,
    reportCompressedSize: false,
    sourcemap: false,
  },
});
