/**
 * Svelte attachments ({@attach ...}) the components share: binding a
 * MediaStream to a <video>, focusing an element when it appears.
 */
import type { Attachment } from 'svelte/attachments'

/** Plays stream in a <video>/<audio> (null clears it). */
export function srcObject(stream: MediaStream | null): Attachment<HTMLMediaElement> {
  return (el) => {
    if (el.srcObject !== stream) el.srcObject = stream
    if (stream) void el.play().catch(() => {})
  }
}

/** Routes an element's sound to the call's chosen speaker for as long as it is on the page. */
export function output(register: (el: HTMLMediaElement) => () => void): Attachment<HTMLMediaElement> {
  return (el) => register(el)
}

/** Focuses the element when it appears (instead of autofocus, which screen readers dislike). */
export const focusOnMount: Attachment<HTMLElement> = (el) => {
  queueMicrotask(() => el.focus())
}
