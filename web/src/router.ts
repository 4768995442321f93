// Routes of the studio. Every page but sign-in is its own chunk (loaded on first visit);
// the guard restores the session, sends a fresh server to first-run setup, and keeps
// signed-out people on sign-in (returning them to the page they asked for).
import { createRouter, createWebHistory, type RouteRecordRaw, type Router } from 'vue-router'
import SignInPage from '@/pages/SignInPage.vue'
import { useSessionStore } from '@/stores/session'

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/projects' },
  { path: '/sign-in', name: 'sign-in', component: SignInPage, meta: { public: true } },
  { path: '/setup', name: 'setup', component: () => import('@/pages/SetupPage.vue'), meta: { public: true } },
  { path: '/projects', name: 'projects', component: () => import('@/pages/ProjectsPage.vue') },
  { path: '/projects/:projectId', name: 'project', component: () => import('@/pages/ProjectPage.vue'), props: true },
  { path: '/runs/:runId', name: 'run', component: () => import('@/pages/RunPage.vue'), props: true },
  { path: '/runs/:runId/timeline', name: 'timeline', component: () => import('@/pages/TimelinePage.vue'), props: true },
  { path: '/runs/:runId/player', name: 'player', component: () => import('@/pages/PlayerPage.vue'), props: true },
  { path: '/runs/:runId/entities', name: 'entities', component: () => import('@/pages/EntitiesPage.vue'), props: true },
  { path: '/admin/members', name: 'members', component: () => import('@/pages/MembersPage.vue'), meta: { admin: true } },
  { path: '/admin/api-keys', name: 'api-keys', component: () => import('@/pages/ApiKeysPage.vue') },
  { path: '/admin/audit', name: 'audit', component: () => import('@/pages/AuditPage.vue'), meta: { admin: true } },
  { path: '/runs/:runId/costs', name: 'run-costs', component: () => import('@/pages/RunCostsPage.vue'), props: true },
  { path: '/admin/costs', name: 'costs', component: () => import('@/pages/CostsPage.vue') },
  { path: '/admin/providers', name: 'providers', component: () => import('@/pages/ProvidersPage.vue') },
  { path: '/admin/budgets', name: 'budgets', component: () => import('@/pages/BudgetsPage.vue') },
  { path: '/admin/policies', name: 'policies', component: () => import('@/pages/PoliciesPage.vue'), meta: { admin: true } },
  { path: '/admin/approvals', name: 'approvals', component: () => import('@/pages/ApprovalsPage.vue') },
  { path: '/:rest(.*)*', redirect: '/projects' },
]

export function createStudioRouter(): Router {
  const router = createRouter({ history: createWebHistory(), routes })
  router.beforeEach(async (to) => {
    const session = useSessionStore()
    if (to.meta.public) {
      if (to.name === 'setup') return (await session.checkSetup()) ? true : { name: 'sign-in' }
      return true
    }
    if (await session.restore()) {
      if (to.meta.admin && !session.isAdmin) return { name: 'projects' }
      return true
    }
    if (await session.checkSetup().catch(() => false)) return { name: 'setup' }
    return { name: 'sign-in', query: { next: to.fullPath } }
  })
  return router
}
