/**
 * The one typed event emitter of the frontend (lib/call, lib/state and the
 * test fakes). A leaf: it imports nothing of the app and knows nothing of
 * what the events mean.
 */
export { TypedEmitter, type Handler } from './emitter'
