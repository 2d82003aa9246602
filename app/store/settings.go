package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"
)

// settingsVersion is the version of the settings JSON this build writes.
// Bump it when a field's meaning changes (not when one is added: new
// fields simply default when absent).
const settingsVersion = 1

// Settings defaults and limits.
const (
	// DefaultRingTimeoutSeconds is how long an unanswered call rings.
	DefaultRingTimeoutSeconds = 45
	minRingTimeoutSeconds     = 5
	maxRingTimeoutSeconds     = 300
	maxServers                = 16
	maxICEURLs                = 16
	maxInterfaces             = 64
	maxSecretLen              = 4096
	maxUsernameLen            = 512
	maxDeviceIDLen            = 1024
	maxInterfaceLen           = 256
)

// Settings are the user's preferences, stored as one JSON document. The
// zero value is valid and means the defaults (Defaults spells them out).
// JSON names are the ones the frontend sees.
//
// Compatibility: loading never fails because of what a newer (or older)
// Peerline wrote. A field that is missing, of the wrong type or invalid
// for this build reads as its default; unknown top-level fields are kept
// and written back untouched by PutSettings, so a downgrade-then-upgrade
// does not lose a newer version's settings. (Unknown fields nested inside
// a known list, such as a new key in a signaling server entry, are dropped
// when this build rewrites that list.)
type Settings struct {
	// DisplayName is the name this app announces; "" means not chosen
	// yet. 1-64 runes when set.
	DisplayName string `json:"displayName"`
	// SignalingServers to connect to; none by default (LAN only).
	SignalingServers []SignalingServer `json:"signalingServers"`
	// ICEServers to use besides those a signaling server hands out; none
	// by default.
	ICEServers []ICEServer `json:"iceServers"`
	// DisableLANDiscovery turns off mDNS advertise and browse. Default
	// false: LAN discovery is on (see LANDiscovery).
	DisableLANDiscovery bool `json:"disableLanDiscovery"`
	// ListenLANWithoutDiscovery keeps the LAN hub listening while LAN
	// discovery is off, so that people who added this machine by address
	// can still call it directly. Default false: with discovery off,
	// nothing listens on the LAN (see ListenLAN).
	ListenLANWithoutDiscovery bool `json:"listenLanWithoutDiscovery"`
	// DiscoveryInterfaces limits LAN discovery to these network
	// interfaces (by name); empty, the default, means all.
	DiscoveryInterfaces []string `json:"discoveryInterfaces"`
	// Camera, Microphone and Speaker are the preferred device ids
	// (MediaDeviceInfo.deviceId); "" means the system default.
	Camera     string `json:"camera"`
	Microphone string `json:"microphone"`
	Speaker    string `json:"speaker"`
	// RingTimeoutSeconds is how long an unanswered call rings, 5-300;
	// 0 means DefaultRingTimeoutSeconds (45).
	RingTimeoutSeconds int `json:"ringTimeoutSeconds"`
	// Theme of the UI; the zero value is ThemeSystem.
	Theme Theme `json:"theme"`
	// QuitOnClose makes closing the window quit Peerline. Default false:
	// the window hides and Peerline keeps running in the tray, reachable
	// for calls ("Keep running when the window is closed").
	QuitOnClose bool `json:"quitOnClose"`
}

// SignalingServer is an internet signaling server to connect to.
type SignalingServer struct {
	// URL is ws:// or wss://.
	URL string `json:"url"`
	// Token authorizes this user on the server, if it asks for one.
	Token Secret `json:"token"`
}

// ICEServer is one RTCIceServer, in the browser's shape.
type ICEServer struct {
	// URLs are stun:, stuns:, turn: or turns: URLs; at least one.
	URLs []string `json:"urls"`
	// Username and Credential are required for TURN URLs.
	Username   string `json:"username"`
	Credential Secret `json:"credential"`
}

// Defaults returns the default settings, with every default spelled out
// (empty lists rather than nil, so the frontend sees []).
func Defaults() Settings {
	return Settings{
		SignalingServers:    []SignalingServer{},
		ICEServers:          []ICEServer{},
		DiscoveryInterfaces: []string{},
		RingTimeoutSeconds:  DefaultRingTimeoutSeconds,
		Theme:               ThemeSystem,
	}
}

// LANDiscovery reports whether LAN discovery is on.
func (s Settings) LANDiscovery() bool { return !s.DisableLANDiscovery }

// ListenLAN reports whether the LAN hub listens: with discovery on, or
// when asked to without it.
func (s Settings) ListenLAN() bool { return s.LANDiscovery() || s.ListenLANWithoutDiscovery }

// RingTimeout returns the ring timeout, applying the default for 0.
func (s Settings) RingTimeout() time.Duration {
	if s.RingTimeoutSeconds == 0 {
		return DefaultRingTimeoutSeconds * time.Second
	}
	return time.Duration(s.RingTimeoutSeconds) * time.Second
}

// LogValue implements slog.LogValuer: a summary without secrets (and
// without server URLs, whose queries sometimes carry tokens).
func (s Settings) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("displayName", s.DisplayName),
		slog.Int("signalingServers", len(s.SignalingServers)),
		slog.Int("iceServers", len(s.ICEServers)),
		slog.Bool("lanDiscovery", s.LANDiscovery()),
		slog.Bool("listenLan", s.ListenLAN()),
		slog.Int("discoveryInterfaces", len(s.DiscoveryInterfaces)),
		slog.Int("ringTimeoutSeconds", s.RingTimeoutSeconds),
		slog.String("theme", s.Theme.String()),
	)
}

// normalize validates s and returns it normalized: names trimmed, URLs
// normalized, nil lists made empty, zero ring timeout made the default.
// Errors name the field (and the 1-based entry) but never quote values.
func (s Settings) normalize() (Settings, error) {
	var err error
	if s.DisplayName != "" {
		if s.DisplayName, err = normalizeName(s.DisplayName); err != nil {
			return s, fmt.Errorf("display name: %w", err)
		}
	}

	if len(s.SignalingServers) > maxServers {
		return s, fmt.Errorf("%d signaling servers, at most %d", len(s.SignalingServers), maxServers)
	}
	servers := make([]SignalingServer, 0, len(s.SignalingServers))
	seen := map[string]bool{}
	for i, srv := range s.SignalingServers {
		u, err := normalizeSignalURL(srv.URL)
		if err != nil {
			return s, fmt.Errorf("signaling server %d: %w", i+1, err)
		}
		if seen[u] {
			return s, fmt.Errorf("signaling server %d: listed twice", i+1)
		}
		seen[u] = true
		if err := checkText(string(srv.Token), maxSecretLen); err != nil {
			return s, fmt.Errorf("signaling server %d: token: %w", i+1, err)
		}
		servers = append(servers, SignalingServer{URL: u, Token: srv.Token})
	}
	s.SignalingServers = servers

	if len(s.ICEServers) > maxServers {
		return s, fmt.Errorf("%d ICE servers, at most %d", len(s.ICEServers), maxServers)
	}
	ice := make([]ICEServer, 0, len(s.ICEServers))
	for i, srv := range s.ICEServers {
		if len(srv.URLs) == 0 || len(srv.URLs) > maxICEURLs {
			return s, fmt.Errorf("ICE server %d: needs 1-%d URLs", i+1, maxICEURLs)
		}
		out := ICEServer{URLs: make([]string, 0, len(srv.URLs)), Username: srv.Username, Credential: srv.Credential}
		turn := false
		for j, raw := range srv.URLs {
			u, isTURN, err := normalizeICEURL(raw)
			if err != nil {
				return s, fmt.Errorf("ICE server %d, URL %d: %w", i+1, j+1, err)
			}
			turn = turn || isTURN
			out.URLs = append(out.URLs, u)
		}
		if err := checkText(srv.Username, maxUsernameLen); err != nil {
			return s, fmt.Errorf("ICE server %d: username: %w", i+1, err)
		}
		if err := checkText(string(srv.Credential), maxSecretLen); err != nil {
			return s, fmt.Errorf("ICE server %d: credential: %w", i+1, err)
		}
		if turn && (srv.Username == "" || srv.Credential == "") {
			return s, fmt.Errorf("ICE server %d: TURN needs a username and a credential", i+1)
		}
		ice = append(ice, out)
	}
	s.ICEServers = ice

	if len(s.DiscoveryInterfaces) > maxInterfaces {
		return s, fmt.Errorf("%d discovery interfaces, at most %d", len(s.DiscoveryInterfaces), maxInterfaces)
	}
	ifaces := make([]string, 0, len(s.DiscoveryInterfaces))
	seenIf := map[string]bool{}
	for i, name := range s.DiscoveryInterfaces {
		name = strings.TrimSpace(name)
		if name == "" {
			return s, fmt.Errorf("discovery interface %d: empty", i+1)
		}
		if err := checkText(name, maxInterfaceLen); err != nil {
			return s, fmt.Errorf("discovery interface %d: %w", i+1, err)
		}
		if seenIf[name] {
			return s, fmt.Errorf("discovery interface %d: listed twice", i+1)
		}
		seenIf[name] = true
		ifaces = append(ifaces, name)
	}
	s.DiscoveryInterfaces = ifaces

	for _, d := range []struct {
		what string
		v    string
	}{{"camera", s.Camera}, {"microphone", s.Microphone}, {"speaker", s.Speaker}} {
		if err := checkText(d.v, maxDeviceIDLen); err != nil {
			return s, fmt.Errorf("%s device id: %w", d.what, err)
		}
	}

	switch {
	case s.RingTimeoutSeconds == 0:
		s.RingTimeoutSeconds = DefaultRingTimeoutSeconds
	case s.RingTimeoutSeconds < minRingTimeoutSeconds || s.RingTimeoutSeconds > maxRingTimeoutSeconds:
		return s, fmt.Errorf("ring timeout %d s, want %d-%d", s.RingTimeoutSeconds, minRingTimeoutSeconds, maxRingTimeoutSeconds)
	}
	if int(s.Theme) >= len(themeNames) {
		return s, fmt.Errorf("unknown theme %d", s.Theme)
	}
	return s, nil
}

// settingsKey is the settings table row that holds Settings. The table
// is a key/value store so that other documents can join it later.
const settingsKey = "app"

// Settings returns the stored settings, or Defaults() when none were ever
// put. See Settings (the type) for how it reads a document written by
// another version.
func (s *Store) Settings(ctx context.Context) (Settings, error) {
	var raw string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingsKey).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return Defaults(), nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("store: get settings: %w", err)
	}
	return decodeSettings([]byte(raw)), nil
}

// PutSettings validates set and replaces the stored settings with it in
// one transaction, keeping unknown top-level fields written by other
// versions. It returns the settings as stored (normalized). Invalid input
// is ErrInvalid and changes nothing.
func (s *Store) PutSettings(ctx context.Context, set Settings) (Settings, error) {
	n, err := set.normalize()
	if err != nil {
		return Settings{}, fmt.Errorf("store: put settings: %w: %w", ErrInvalid, err)
	}
	known, err := json.Marshal(n)
	if err != nil {
		return Settings{}, fmt.Errorf("store: put settings: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var (
			oldRaw     string
			oldVersion int
		)
		err := tx.QueryRowContext(ctx, `SELECT value, version FROM settings WHERE key = ?`, settingsKey).
			Scan(&oldRaw, &oldVersion)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		merged := map[string]json.RawMessage{}
		if oldRaw != "" {
			// Not an object (cannot happen unless edited by hand): start over.
			_ = json.Unmarshal([]byte(oldRaw), &merged)
		}
		var fresh map[string]json.RawMessage
		if err := json.Unmarshal(known, &fresh); err != nil {
			return err
		}
		for k, v := range fresh {
			merged[k] = v
		}
		doc, err := json.Marshal(merged)
		if err != nil {
			return err
		}
		// Keep a newer version's number: this build wrote only fields it
		// knows, in their current meaning, and kept the rest.
		_, err = tx.ExecContext(ctx, `INSERT INTO settings (key, version, value, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET version = excluded.version, value = excluded.value,
			updated_at = excluded.updated_at`,
			settingsKey, max(oldVersion, settingsVersion), string(doc), s.nowMs())
		return err
	})
	if err != nil {
		return Settings{}, fmt.Errorf("store: put settings: %w", err)
	}
	return n, nil
}

// settingsFields maps JSON names to Settings field indexes.
var settingsFields = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[Settings]()
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
}()

// decodeSettings reads a stored document field by field onto the
// defaults: each field that fails to decode or to validate on its own
// keeps its default, so one bad or newer field cannot make the settings
// unreadable.
func decodeSettings(raw []byte) Settings {
	out := Defaults()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return out
	}
	dst := reflect.ValueOf(&out).Elem()
	for name, i := range settingsFields {
		v, ok := doc[name]
		if !ok {
			continue
		}
		cand := Defaults()
		f := reflect.ValueOf(&cand).Elem().Field(i)
		if err := json.Unmarshal(v, f.Addr().Interface()); err != nil {
			continue
		}
		cand.SignalingServers = dropRespelled(cand.SignalingServers)
		norm, err := cand.normalize()
		if err != nil {
			continue
		}
		dst.Field(i).Set(reflect.ValueOf(norm).Field(i))
	}
	return out
}

// dropRespelled keeps the first of stored servers whose URLs now read as
// the same server. Older versions kept URLs as typed, so a list may hold
// "wss://h" and "wss://h/v1/signal"; on read that must not make the whole
// list fail as "listed twice" and vanish. Writes still refuse duplicates.
func dropRespelled(servers []SignalingServer) []SignalingServer {
	seen := make(map[string]bool, len(servers))
	out := servers[:0:0]
	for _, srv := range servers {
		if u, err := normalizeSignalURL(srv.URL); err == nil {
			if seen[u] {
				continue
			}
			seen[u] = true
		}
		out = append(out, srv)
	}
	return out
}

// Theme is the UI color scheme. Its zero value, ThemeSystem, follows the
// operating system.
type Theme uint8

// Themes.
const (
	ThemeSystem Theme = iota // "system"
	ThemeLight               // "light"
	ThemeDark                // "dark"
)

var themeNames = []string{ThemeSystem: "system", ThemeLight: "light", ThemeDark: "dark"}

// String returns the wire string.
func (t Theme) String() string { return enumString(themeNames, t, "Theme") }

// ParseTheme reads a wire string; "" is ThemeSystem.
func ParseTheme(s string) (Theme, error) {
	if s == "" || s == "system" {
		return ThemeSystem, nil
	}
	return enumParse[Theme](themeNames, s, "theme")
}

// MarshalText implements encoding.TextMarshaler.
func (t Theme) MarshalText() ([]byte, error) {
	if int(t) >= len(themeNames) {
		return nil, fmt.Errorf("store: marshal theme %d: %w", uint8(t), ErrInvalid)
	}
	return []byte(themeNames[t]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Theme) UnmarshalText(b []byte) (err error) {
	*t, err = ParseTheme(string(b))
	return err
}
