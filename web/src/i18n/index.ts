// vue-i18n with English and Chinese; the browser's language decides, a switch overrides
// (remembered in localStorage).
import { createI18n } from 'vue-i18n'
import en from './en'
import zh from './zh'

export type Locale = 'en' | 'zh'
export const LOCALES: Locale[] = ['en', 'zh']
const KEY = 'nexus.locale'

export function pickLocale(stored: string | null, languages: readonly string[]): Locale {
  if (stored === 'en' || stored === 'zh') return stored
  for (const lang of languages) {
    const base = lang.toLowerCase().split('-')[0]
    if (base === 'zh') return 'zh'
    if (base === 'en') return 'en'
  }
  return 'en'
}

export function createStudioI18n(locale?: Locale) {
  const chosen =
    locale ??
    pickLocale(
      typeof localStorage !== 'undefined' ? localStorage.getItem(KEY) : null,
      typeof navigator !== 'undefined' ? navigator.languages : [],
    )
  return createI18n({ legacy: false, locale: chosen, fallbackLocale: 'en', messages: { en, zh } })
}

export function rememberLocale(locale: Locale): void {
  localStorage.setItem(KEY, locale)
  document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en'
}
