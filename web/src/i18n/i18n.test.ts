import { describe, expect, it } from 'vitest'
import en from './en'
import { pickLocale } from './index'
import zh from './zh'

function keys(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'object' ? keys(v as object, `${prefix}${k}.`) : [`${prefix}${k}`]))
}

describe('i18n', () => {
  it('Chinese has exactly the English keys', () => {
    expect(keys(zh).sort()).toEqual(keys(en).sort())
  })
  it('the browser language decides unless the person chose', () => {
    expect(pickLocale(null, ['zh-CN', 'en'])).toBe('zh')
    expect(pickLocale(null, ['fr-FR', 'en-GB'])).toBe('en')
    expect(pickLocale(null, ['fr'])).toBe('en')
    expect(pickLocale('en', ['zh-TW'])).toBe('en')
  })
})
