/**
 * Formats an elapsed call time for display: `mm:ss` under an hour
 * (`00:42`, `12:05`) and `h:mm:ss` from an hour on (`1:02:03`).
 * Partial seconds are dropped, so a call shows `00:00` for its first second.
 * Negative or non-finite input is shown as `00:00` rather than garbage.
 */
export function formatDuration(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const mm = String(m).padStart(2, '0')
  const ss = String(s).padStart(2, '0')
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`
}
