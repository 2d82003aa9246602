/**
 * Signaling server URLs: the one parser of the frontend, the twin of Go's
 * signaling.ParseServerURL. Pure functions; no I/O, no app state.
 */
export {
  MAX_SERVER_URL_LEN,
  SIGNAL_PATH,
  ServerURL,
  ServerURLError,
  canonicalServerURL,
  parseServerURL,
  sameServerEndpoint,
} from './serverurl'
