// Tenant administration: members and roles, API keys, the audit log (filtered, paged).
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api'
import type { ApiKey, ApiKeyCreate, AuditEntry, Member, MemberCreate } from '@/api/types'

export const useAdminStore = defineStore('admin', () => {
  const members = ref<Member[]>([])
  const keys = ref<ApiKey[]>([])
  const audit = ref<AuditEntry[]>([])
  const auditNext = ref<string | null>(null)
  const newKey = ref<string | null>(null)

  async function loadMembers(): Promise<void> {
    members.value = (await api.listMembers()).items
  }
  async function addMember(body: MemberCreate): Promise<void> {
    await api.addMember(body)
    await loadMembers()
  }
  async function changeRole(userId: string, role: Member['role']): Promise<void> {
    await api.changeRole(userId, role)
    await loadMembers()
  }
  async function loadKeys(): Promise<void> {
    keys.value = (await api.listKeys()).items
  }
  async function createKey(body: ApiKeyCreate): Promise<void> {
    newKey.value = (await api.createKey(body)).key
    await loadKeys()
  }
  async function revokeKey(keyId: string): Promise<void> {
    await api.revokeKey(keyId)
    await loadKeys()
  }
  async function loadAudit(action: string, more = false): Promise<void> {
    const page = await api.readAudit(action, more ? auditNext.value : null)
    audit.value = more ? [...audit.value, ...page.items] : page.items
    auditNext.value = page.next ?? null
  }

  return { members, keys, audit, auditNext, newKey, loadMembers, addMember, changeRole, loadKeys, createKey, revokeKey, loadAudit }
})
