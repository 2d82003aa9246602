/**
 * Local media: devices, capture with the call constraints, screen capture,
 * speaker choice and a microphone level meter. No WebRTC here (lib/call).
 */
export { MediaError, mediaError, MediaErrorCode } from './errors'
export {
  IDEAL_FPS,
  IDEAL_HEIGHT,
  IDEAL_WIDTH,
  audioConstraints,
  callConstraints,
  screenConstraints,
  videoConstraints,
  type CaptureRequest,
  type DeviceChoice,
} from './constraints'
export { captureMedia, captureScreen, stopStream, type MediaSource } from './usermedia'
export {
  canChooseSpeaker,
  groupDevices,
  listDevices,
  setSink,
  watchDevices,
  type Device,
  DeviceKind,
  type DeviceList,
  type DeviceSource,
  type SinkElement,
} from './devices'
export { LevelMeter, levelOf, type AnalyserLike, type AudioContextLike, type LevelMeterOptions } from './level'
