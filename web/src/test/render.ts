// Mounting helpers for component tests: the real i18n (English) and a fresh Pinia.
import { mount, type ComponentMountingOptions } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Component } from 'vue'
import { createStudioI18n } from '@/i18n'

export function render<C extends Component>(component: C, options: ComponentMountingOptions<C> = {}) {
  const pinia = createPinia()
  setActivePinia(pinia)
  return mount(component, {
    ...options,
    global: { plugins: [createStudioI18n('en'), pinia], stubs: { RouterLink: { template: '<a><slot /></a>' } }, ...options.global },
  } as ComponentMountingOptions<C>)
}
