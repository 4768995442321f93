/// <reference types="vitest/config" />
// Build and unit-test configuration of the studio. The dev server proxies the API to a
// running `nexus serve` (NEXUS_API, default http://127.0.0.1:8000).
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const api = process.env.NEXUS_API ?? 'http://127.0.0.1:8000'

export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 250,
  },
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    hookTimeout: 150_000,
    testTimeout: 30_000,
  },
})
