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
  { path: '/repos', component: () => import('./views/ComingView.vue'), meta: { title: 'Repositories', what: 'Enable the Hyperscale repositories, their prerequisites, and see which packages are Hyperscale builds.' } },
  { path: '/oomd', component: () => import('./views/OomdView.vue'), meta: { title: 'systemd-oomd' } },
  { path: '/spins', component: () => import('./views/ComingView.vue'), meta: { title: 'Spins', what: 'Download and verify the Hyperscale spin live ISOs.' } },
  { path: '/write', component: () => import('./views/ComingView.vue'), meta: { title: 'Write USB', what: 'Write a verified image to a USB drive and verify it.' } },
  { path: '/settings', component: () => import('./views/SettingsView.vue'), meta: { title: 'Settings' } },
  { path: '/:pathMatch(.*)*', redirect: '/' }
]

export const router = createRouter({ history: createWebHashHistory(), routes })
router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '')} · Hyperscale Companion`
})
