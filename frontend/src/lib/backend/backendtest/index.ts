/**
 * Test scaffolding of lib/backend: the one FakeBackend every frontend test
 * uses, and builders of the backend's view types. Imported by tests and
 * other *test folders only, never by the app.
 */
export { FakeBackend, callInfo, contactView, peerView, type FakeBackendOptions, type MethodCall } from './fake'
