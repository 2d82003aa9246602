import { describe, expect, test } from 'vitest'
import { shortcutOf, type KeyLike } from './shortcuts'

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods })

describe('shortcutOf', () => {
  test.each([
    { name: 'M mutes', e: key('m'), want: 'mute' },
    { name: 'V toggles the camera', e: key('V'), want: 'camera' },
    { name: 'Ctrl+D mutes', e: key('d', { ctrlKey: true }), want: 'mute' },
    { name: '⌘+E toggles the camera', e: key('e', { metaKey: true }), want: 'camera' },
    { name: 'Ctrl+Shift+H hangs up', e: key('H', { ctrlKey: true, shiftKey: true }), want: 'hangup' },
    { name: 'H alone does nothing', e: key('h'), want: null },
    { name: 'Shift+M does nothing', e: key('M', { shiftKey: true }), want: null },
    { name: 'Alt+M does nothing', e: key('m', { altKey: true }), want: null },
    { name: 'held keys do not repeat', e: key('m', { repeat: true }), want: null },
    { name: 'typing in a text field', e: key('m', { target: { tagName: 'INPUT', type: 'text' } }), want: null },
    { name: 'typing in a textarea', e: key('v', { target: { tagName: 'TEXTAREA' } }), want: null },
    { name: 'a focused button still works', e: key('m', { target: { tagName: 'BUTTON' } }), want: 'mute' },
    { name: 'a focused checkbox still works', e: key('m', { target: { tagName: 'INPUT', type: 'checkbox' } }), want: 'mute' },
    { name: 'hang up works from a text field', e: key('h', { ctrlKey: true, shiftKey: true, target: { tagName: 'INPUT' } }), want: 'hangup' },
  ])('$name', ({ e, want }) => {
    expect(shortcutOf(e)).toBe(want)
  })
})
