/// <reference types="vitest/config" />
// Build and unit-test configuration of the studio. The dev server proxies the API to a
// running `nexus serve` (NEXUS_API, default http://127.0.0.1:8000).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

// Writes `<file>.gz` next to each text asset; the gateway serves it to gzip-capable clients
// (src/nexus/gateway/web.py), so the first load moves ~3x fewer bytes without a runtime cost.
function precompress(): Plugin {
  return {
    name: 'nexus-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir ?? 'dist'
      for (const name of [...Object.keys(bundle), 'index.html']) {
        if (!/\.(js|css|html|svg|json)$/.test(name)) continue
        const path = join(dir, name)
        const raw = readFileSync(path)
        if (raw.length >= 1024) writeFileSync(`${path}.gz`, gzipSync(raw, { level: 9 }))
      }
    },
  }
}

const api = process.env.NEXUS_API ?? 'http://127.0.0.1:8000'

export default defineConfig({
  plugins: [vue(), precompress()],
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
