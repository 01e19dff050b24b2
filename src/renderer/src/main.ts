// First: starts the Overview's request before Vue and the views are even evaluated.
import { firstDataOrAfter } from './api/prefetch'
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import './styles/base.css'

const app = createApp(App).use(createPinia()).use(router)
void firstDataOrAfter(150).then(() => app.mount('#app'))
