// Who is signed in: tokens (via the API client's store), the /auth/me answer, first-run setup.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, browserTokens, client, onSignedOut } from '@/api'
import { tokensOf } from '@/api/client'
import type { Me, SetupCreate } from '@/api/types'

export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null)
  const needsAdmin = ref<boolean | null>(null)
  const signedIn = computed(() => me.value !== null)
  const isAdmin = computed(() => me.value?.role === 'admin')
  const canWrite = computed(() => me.value?.role === 'admin' || me.value?.role === 'editor')

  onSignedOut(() => {
    me.value = null
  })

  async function checkSetup(): Promise<boolean> {
    needsAdmin.value = (await api.readSetup()).needs_admin
    return needsAdmin.value
  }

  /** Restore a session from stored tokens (refreshing them when needed). */
  async function restore(): Promise<boolean> {
    if (me.value) return true
    if (!browserTokens.read()) return false
    try {
      me.value = await api.readMe()
    } catch {
      browserTokens.write(null)
      me.value = null
    }
    return me.value !== null
  }

  async function signIn(email: string, password: string, tenant?: string): Promise<void> {
    const pair = await api.login(email, password, tenant || undefined)
    browserTokens.write(tokensOf(pair))
    me.value = await api.readMe()
  }

  async function createAdmin(body: SetupCreate): Promise<void> {
    const pair = await api.createAdmin(body)
    browserTokens.write(tokensOf(pair))
    needsAdmin.value = false
    me.value = await api.readMe()
  }

  async function signOut(): Promise<void> {
    const tokens = browserTokens.read()
    browserTokens.write(null)
    me.value = null
    if (tokens) await api.logout(tokens.refresh).catch(() => undefined)
  }

  return { me, needsAdmin, signedIn, isAdmin, canWrite, checkSetup, restore, signIn, createAdmin, signOut, client }
})
