// The studio's entry: Pinia, the router, i18n, then mount.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { createStudioI18n } from './i18n'
import { createStudioRouter } from './router'
import './styles.css'

const app = createApp(App)
app.use(createPinia())
app.use(createStudioI18n())
app.use(createStudioRouter())
app.mount('#app')
