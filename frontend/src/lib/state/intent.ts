/**
 * Why a window was opened: the call window carries its task in the URL's
 * fragment (Desktop.OpenCallWindow builds it), "#call=PEER&video=1" or
 * "#accept=CALL&video=0". The page does it by itself, so nobody types.
 */
export type WindowIntent = { action: 'call'; peer: string; video: boolean } | { action: 'accept'; call: string; video: boolean }

/** Ids as Go makes them: letters, digits, '-' and '_' (bounded, so a crafted URL is just ignored). */
const ID = /^[A-Za-z0-9_-]{1,128}$/

/** The intent in a location.hash, or null when there is none or it is malformed. */
export function parseIntent(hash: string): WindowIntent | null {
  const q = new URLSearchParams(hash.replace(/^#/, ''))
  const video = q.get('video') === '1'
  const peer = q.get('call')
  const call = q.get('accept')
  if (peer !== null && call === null && ID.test(peer)) return { action: 'call', peer, video }
  if (call !== null && peer === null && ID.test(call)) return { action: 'accept', call, video }
  return null
}
