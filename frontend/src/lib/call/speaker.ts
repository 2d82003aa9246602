/**
 * SpeakerOutputs: the elements that play the other side, and the speaker
 * they play on. Only setSinkId on registered elements; no tracks, no calls.
 */
import { setSink } from '../media'
import { CallError } from './errors'

/** The registered outputs and the chosen speaker. */
export class SpeakerOutputs {
  private readonly elements = new Set<HTMLMediaElement>()
  private speaker = ''

  /** @param report gets the errors of choosing a speaker. */
  constructor(private readonly report: (error: CallError) => void) {}

  /** The chosen speaker ("" = system default). */
  get current(): string {
    return this.speaker
  }

  /** Plays on deviceId ("" = system default) on every registered element. */
  async set(deviceId: string): Promise<void> {
    this.speaker = deviceId
    await Promise.all([...this.elements].map((el) => this.apply(el)))
  }

  /** Adds an element; returns the function that removes it. */
  register(element: HTMLMediaElement): () => void {
    this.elements.add(element)
    if (this.speaker) void this.apply(element)
    return () => void this.elements.delete(element)
  }

  /** Forgets every element. */
  clear(): void {
    this.elements.clear()
  }

  private async apply(el: HTMLMediaElement): Promise<void> {
    try {
      const ok = await setSink(el, this.speaker)
      if (!ok) this.report(new CallError('unsupported', 'This window cannot choose the speaker.'))
    } catch (err) {
      this.report(new CallError('no_devices', 'That speaker is not available.', { cause: err }))
    }
  }
}
