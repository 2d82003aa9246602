/** The local tracks of one call; CallSession owns it and stops it when the call ends. */
export class LocalMedia {
  mic: MediaStreamTrack | null = null
  camera: MediaStreamTrack | null = null
  screen: MediaStreamTrack | null = null
  private stopped = false

  constructor(private readonly createStream: (tracks: MediaStreamTrack[]) => MediaStream) {}

  /** The track the video sender should carry: the screen while shared, else the camera. */
  get video(): MediaStreamTrack | null {
    return this.screen ?? this.camera
  }

  /** Whether stop() ran; tracks adopted afterwards are stopped at once. */
  get isStopped(): boolean {
    return this.stopped
  }

  /** A fresh stream of the current tracks, for the local preview and the level meter; null when there are none. */
  preview(): MediaStream | null {
    const tracks = [this.mic, this.video].filter((t): t is MediaStreamTrack => t !== null)
    return tracks.length ? this.createStream(tracks) : null
  }

  /** Stops one track and forgets it wherever it is held. */
  drop(track: MediaStreamTrack | null): void {
    if (!track) return
    track.stop()
    if (this.mic === track) this.mic = null
    if (this.camera === track) this.camera = null
    if (this.screen === track) this.screen = null
  }

  /** Stops every track (camera, microphone, screen). */
  stop(): void {
    this.stopped = true
    for (const t of [this.mic, this.camera, this.screen]) t?.stop()
    this.mic = this.camera = this.screen = null
  }
}
