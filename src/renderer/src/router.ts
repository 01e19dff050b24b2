import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router'
import OverviewView from './views/OverviewView.vue'

export interface NavItem {
  path: string
  label: string
  icon: string
}

/** Sidebar order. Views other than Overview load on demand. */
export const nav: NavItem[] = [
  { path: '/', label: 'Overview', icon: '◎' },
  { path: '/repos', label: 'Repositories', icon: '▤' },
  { path: '/oomd', label: 'systemd-oomd', icon: '◔' },
  { path: '/spins', label: 'Spins', icon: '◉' },
  { path: '/write', label: 'Write USB', icon: '⇩' },
  { path: '/settings', label: 'Settings', icon: '⚙' }
]

const routes: RouteRecordRaw[] = [
  { path: '/', component: OverviewView, meta: { title: 'Overview' } },
  { path: '/repos', component: () => import('./views/ReposView.vue'), meta: { title: 'Repositories' } },
  { path: '/oomd', component: () => import('./views/OomdView.vue'), meta: { title: 'systemd-oomd' } },
  { path: '/spins', component: () => import('./views/SpinsView.vue'), meta: { title: 'Spins' } },
  { path: '/write', component: () => import('./views/WriteView.vue'), meta: { title: 'Write USB' } },
  { path: '/settings', component: () => import('./views/SettingsView.vue'), meta: { title: 'Settings' } },
  { path: '/:pathMatch(.*)*', redirect: '/' }
]

export const router = createRouter({ history: createWebHashHistory(), routes })
router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '')} · Hyperscale Companion`
})
