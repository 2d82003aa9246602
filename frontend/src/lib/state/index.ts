/**
 * Svelte 5 state classes that adapt the backend's events and the call
 * engine's events into what components render. Components import from
 * here; only these classes talk to the Backend and the CallSession.
 *
 *   AppState          composition, navigation, shortcuts, link status
 *     MeState         own id and name
 *     PeopleState     people list, search, contacts, identity warnings (+ AddPersonForm)
 *     HistoryState    call history pages
 *     SettingsState   preferences (+ ServerForm, IceForm)
 *     BlockedState    the blocked list, unblocking
 *     DevicesState    device lists, settings preview and mic level
 *     DoNotDisturbState  do not disturb: on for a span, off, as Go has it
 *     CallState       the call: screens, streams, flags, timer, errors, alerts
 */
export { AppState, CALL_WINDOW_NOTICE_KEY, type AppStateOptions, Tab } from './app.svelte'
export { MeState, type ClipboardLike } from './me.svelte'
export { PeopleState, AddPersonForm, sortPeople, matches, type Person, type KeyChange, AddVia } from './people.svelte'
export { HistoryState, groupByDay, type HistoryDay } from './history.svelte'
export { BlockedState } from './blocked.svelte'
export { SettingsState, ServerForm, IceForm, defaultSettings } from './settings.svelte'
export { DevicesState, type DevicesEnv, type Meter } from './devices.svelte'
export { DoNotDisturbState, DND_CHOICES, dndLabel, type DndClock } from './dnd.svelte'
export { CallState, type CallEngine, CallScreen, type CallStateOptions } from './call.svelte'
export { GroupState, type GroupEngine } from './group.svelte'
export { NoCallEngine } from './nocall'
export { CallWindowEngine, type CallWindowEngineOptions } from './callwindow'
export { parseIntent, type WindowIntent } from './intent'
export { BrowserAlerts, silentAlerts, windowInBackground, type Alerts, type IncomingAlert } from './alerts'
export { SHORTCUTS, shortcutOf, ShortcutAction, type KeyLike } from './shortcuts'
export * from './labels'
export * from './grouphistory'
