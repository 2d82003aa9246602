/**
 * Keyboard shortcuts in a call. Single keys work when no text field has
 * the focus; hanging up takes a two-hand chord so it never happens by
 * accident.
 *
 *   M                 mute / unmute the microphone  (also Ctrl/⌘+D)
 *   V                 camera on / off               (also Ctrl/⌘+E)
 *   Ctrl/⌘+Shift+H    hang up (or cancel a call that has not been answered)
 */
export const ShortcutAction = {
  Mute: 'mute',
  Camera: 'camera',
  Hangup: 'hangup',
} as const
/** One of ShortcutAction's values. */
export type ShortcutAction = (typeof ShortcutAction)[keyof typeof ShortcutAction]

/** The parts of a KeyboardEvent this reads. */
export interface KeyLike {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  shiftKey: boolean
  altKey: boolean
  repeat?: boolean
  /** The focused element; shortcuts stay out of text fields. */
  target?: unknown
}

/** Shortcut hints for labels and aria-keyshortcuts. */
export const SHORTCUTS: Record<ShortcutAction, { label: string; aria: string }> = {
  mute: { label: 'M', aria: 'M Control+D Meta+D' },
  camera: { label: 'V', aria: 'V Control+E Meta+E' },
  hangup: { label: 'Ctrl+Shift+H', aria: 'Control+Shift+H Meta+Shift+H' },
}

function typing(target: unknown): boolean {
  const el = target as { tagName?: string; isContentEditable?: boolean; type?: string } | null
  if (!el || typeof el.tagName !== 'string') return false
  if (el.isContentEditable) return true
  const tag = el.tagName.toUpperCase()
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true
  if (tag !== 'INPUT') return false
  return !['button', 'checkbox', 'radio', 'range', 'submit', 'reset'].includes((el.type ?? 'text').toLowerCase())
}

/** The action a key press asks for, or null. */
export function shortcutOf(e: KeyLike): ShortcutAction | null {
  if (e.repeat || e.altKey) return null
  const key = e.key.toLowerCase()
  const mod = e.ctrlKey || e.metaKey
  if (mod && e.shiftKey && key === 'h') return 'hangup'
  if (mod && !e.shiftKey && key === 'd') return 'mute'
  if (mod && !e.shiftKey && key === 'e') return 'camera'
  if (mod || e.shiftKey || typing(e.target)) return null
  if (key === 'm') return 'mute'
  if (key === 'v') return 'camera'
  return null
}
