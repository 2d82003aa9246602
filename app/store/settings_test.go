package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSettingsDefaults(t *testing.T) {
	s := openTest(t)
	got, err := s.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Defaults()) {
		t.Fatalf("unset settings = %+v, want Defaults()", got)
	}
	if !got.LANDiscovery() || got.RingTimeout() != 45*time.Second || got.Theme != ThemeSystem {
		t.Fatalf("defaults: discovery %v, ring %v, theme %v", got.LANDiscovery(), got.RingTimeout(), got.Theme)
	}
	// The zero value means the same thing.
	var zero Settings
	if !zero.LANDiscovery() || zero.RingTimeout() != 45*time.Second {
		t.Fatal("zero Settings is not the defaults")
	}
	n, err := zero.normalize()
	if err != nil || !reflect.DeepEqual(n, Defaults()) {
		t.Fatalf("normalized zero = %+v, %v", n, err)
	}
}

func fullSettings() Settings {
	return Settings{
		DisplayName: " Ada ",
		SignalingServers: []SignalingServer{
			{URL: "WSS://Signal.Example.org/v1/signal", Token: "s3cr3t-token"},
			{URL: "ws://192.168.1.5:8080/v1/signal"},
		},
		ICEServers: []ICEServer{
			{URLs: []string{"stun:stun.example.org:3478"}},
			{URLs: []string{"turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:443"},
				Username: "1700000000:ada", Credential: "tUrN-cr3d"},
		},
		DisableLANDiscovery: true,
		DiscoveryInterfaces: []string{"eth0", " wlan0 "},
		Camera:              "cam-123", Microphone: "mic-456", Speaker: "spk-789",
		RingTimeoutSeconds: 30,
		Theme:              ThemeDark,
	}
}

func TestSettingsRoundtrip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	put, err := s.PutSettings(ctx, fullSettings())
	if err != nil {
		t.Fatal(err)
	}
	want := fullSettings()
	want.DisplayName = "Ada"
	want.SignalingServers[0].URL = "wss://signal.example.org/v1/signal"
	want.DiscoveryInterfaces[1] = "wlan0"
	if !reflect.DeepEqual(put, want) {
		t.Fatalf("PutSettings returned\n%+v\nwant\n%+v", put, want)
	}
	got, err := s.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Settings() =\n%+v\nwant\n%+v", got, want)
	}
	if got.LANDiscovery() || got.RingTimeout() != 30*time.Second {
		t.Fatal("helpers disagree with the fields")
	}
	// A second Put replaces everything (lists shrink, fields reset).
	if _, err := s.PutSettings(ctx, Settings{DisplayName: "Bob"}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Settings(ctx)
	want = Defaults()
	want.DisplayName = "Bob"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after second put: %+v", got)
	}
}

func TestSettingsValidation(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	stored, err := s.PutSettings(ctx, fullSettings())
	if err != nil {
		t.Fatal(err)
	}
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("if%d", i)
		}
		return out
	}
	tests := []struct {
		name string
		edit func(*Settings)
	}{
		{"display name control", func(s *Settings) { s.DisplayName = "A\x00" }},
		{"display name blank", func(s *Settings) { s.DisplayName = "  " }},
		{"display name long", func(s *Settings) { s.DisplayName = strings.Repeat("x", 65) }},
		{"server http", func(s *Settings) { s.SignalingServers[0].URL = "https://x.example" }},
		{"server empty URL", func(s *Settings) { s.SignalingServers[1].URL = "" }},
		{"server twice", func(s *Settings) { s.SignalingServers[1].URL = "wss://signal.example.org/v1/signal" }},
		{"server twice, spelled differently", func(s *Settings) { s.SignalingServers[1].URL = "wss://Signal.Example.org:443/v1/signal" }},
		{"server token control", func(s *Settings) { s.SignalingServers[0].Token = "tok\nen" }},
		{"server token long", func(s *Settings) { s.SignalingServers[0].Token = Secret(strings.Repeat("t", maxSecretLen+1)) }},
		{"too many servers", func(s *Settings) {
			s.SignalingServers = nil
			for i := 0; i <= maxServers; i++ {
				s.SignalingServers = append(s.SignalingServers, SignalingServer{URL: fmt.Sprintf("wss://s%d.example", i)})
			}
		}},
		{"ice no URLs", func(s *Settings) { s.ICEServers[0].URLs = nil }},
		{"ice http URL", func(s *Settings) { s.ICEServers[0].URLs = []string{"http://x"} }},
		{"turn without credential", func(s *Settings) { s.ICEServers[1].Credential = "" }},
		{"turn without username", func(s *Settings) { s.ICEServers[1].Username = "" }},
		{"ice credential control", func(s *Settings) { s.ICEServers[1].Credential = "a\x00" }},
		{"interface empty", func(s *Settings) { s.DiscoveryInterfaces = []string{" "} }},
		{"interface twice", func(s *Settings) { s.DiscoveryInterfaces = []string{"eth0", "eth0 "} }},
		{"interface control", func(s *Settings) { s.DiscoveryInterfaces = []string{"eth\x000"} }},
		{"too many interfaces", func(s *Settings) { s.DiscoveryInterfaces = many(maxInterfaces + 1) }},
		{"camera control", func(s *Settings) { s.Camera = "a\x01" }},
		{"speaker too long", func(s *Settings) { s.Speaker = strings.Repeat("d", maxDeviceIDLen+1) }},
		{"ring too short", func(s *Settings) { s.RingTimeoutSeconds = 4 }},
		{"ring too long", func(s *Settings) { s.RingTimeoutSeconds = 301 }},
		{"ring negative", func(s *Settings) { s.RingTimeoutSeconds = -1 }},
		{"theme", func(s *Settings) { s.Theme = Theme(7) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := fullSettings()
			tc.edit(&in)
			_, err := s.PutSettings(ctx, in)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("PutSettings err = %v, want ErrInvalid", err)
			}
			for _, secret := range []string{"s3cr3t-token", "tUrN-cr3d", "tok\nen"} {
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error %q quotes a secret", err)
				}
			}
			got, _ := s.Settings(ctx)
			if !reflect.DeepEqual(got, stored) {
				t.Fatal("a refused Put changed the stored settings")
			}
		})
	}
}

// setRawSettings stores a settings document as another version would.
func setRawSettings(t *testing.T, s *Store, version int, doc string) {
	t.Helper()
	_, err := s.w.Exec(`INSERT INTO settings (key, version, value, updated_at) VALUES (?, ?, ?, 0)
		ON CONFLICT (key) DO UPDATE SET version = excluded.version, value = excluded.value`, settingsKey, version, doc)
	if err != nil {
		t.Fatal(err)
	}
}

func rawSettings(t *testing.T, s *Store) (int, map[string]json.RawMessage) {
	t.Helper()
	var (
		v   int
		raw string
	)
	if err := s.r.QueryRow(`SELECT version, value FROM settings WHERE key = ?`, settingsKey).Scan(&v, &raw); err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	return v, m
}

func TestSettingsFromOtherVersions(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	// A newer version: an unknown field, a theme this build does not
	// know, a ring timeout out of this build's range, a wrongly typed
	// field; the rest is fine.
	setRawSettings(t, s, 7, `{
		"displayName": "Ada",
		"theme": "sepia",
		"ringTimeoutSeconds": 900,
		"camera": 42,
		"microphone": "mic-1",
		"disableLanDiscovery": true,
		"futureFeature": {"enabled": true, "level": 3}
	}`)
	got, err := s.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults()
	want.DisplayName, want.Microphone, want.DisableLANDiscovery = "Ada", "mic-1", true
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("lenient load:\n got %+v\nwant %+v", got, want)
	}

	got.Speaker = "spk-2"
	if _, err := s.PutSettings(ctx, got); err != nil {
		t.Fatal(err)
	}
	v, m := rawSettings(t, s)
	if v != 7 {
		t.Errorf("version after put = %d, want the newer 7 kept", v)
	}
	if string(m["futureFeature"]) != `{"enabled":true,"level":3}` {
		t.Errorf("unknown field not preserved: %s", m["futureFeature"])
	}
	if string(m["speaker"]) != `"spk-2"` || string(m["theme"]) != `"system"` {
		t.Errorf("known fields not written: speaker %s theme %s", m["speaker"], m["theme"])
	}

	// An older document: fields missing entirely read as defaults.
	setRawSettings(t, s, 1, `{"displayName": "Old"}`)
	got, _ = s.Settings(ctx)
	want = Defaults()
	want.DisplayName = "Old"
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("older doc: %+v", got)
	}
	// Not an object at all.
	setRawSettings(t, s, 1, `[1,2]`)
	if got, err := s.Settings(ctx); err != nil || !reflect.DeepEqual(got, Defaults()) {
		t.Fatalf("array doc: %+v, %v", got, err)
	}
	if _, err := s.PutSettings(ctx, Settings{}); err != nil {
		t.Fatalf("put over an array doc: %v", err)
	}
}

// TestSettingsRespelledServers: a list stored by an older version with two
// spellings of one server reads back as that server once, instead of
// failing as a duplicate and losing the whole list.
func TestSettingsRespelledServers(t *testing.T) {
	s := openTest(t)
	setRawSettings(t, s, 1, `{"signalingServers": [
		{"url": "wss://Signal.Example.com", "token": "first"},
		{"url": "wss://signal.example.com:443/v1/signal", "token": "second"},
		{"url": "ws://other.example.com:8080"}
	]}`)
	got, err := s.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []SignalingServer{
		{URL: "wss://signal.example.com/v1/signal", Token: "first"},
		{URL: "ws://other.example.com:8080/v1/signal"},
	}
	if !reflect.DeepEqual(got.SignalingServers, want) {
		t.Fatalf("servers read back\n got %+v\nwant %+v", got.SignalingServers, want)
	}
	// Writing the same duplicate is still refused.
	dup := got
	dup.SignalingServers = append(dup.SignalingServers, SignalingServer{URL: "wss://signal.example.com"})
	if _, err := s.PutSettings(context.Background(), dup); !errors.Is(err, ErrInvalid) {
		t.Fatalf("put with a duplicate: %v, want ErrInvalid", err)
	}
}

func TestSecretsStayOutOfLogs(t *testing.T) {
	set := fullSettings()
	secrets := []string{"s3cr3t-token", "tUrN-cr3d"}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"} {
		outputs = append(outputs,
			fmt.Sprintf(verb, set),
			fmt.Sprintf(verb, set.SignalingServers[0]),
			fmt.Sprintf(verb, &set.ICEServers[1]),
			fmt.Sprintf(verb, set.SignalingServers[0].Token))
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
		l := slog.New(h)
		l.Info("settings", "s", set, "token", set.SignalingServers[0].Token, "ice", set.ICEServers[1].Credential)
	}
	outputs = append(outputs, buf.String())
	for _, out := range outputs {
		for _, secret := range secrets {
			if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
				t.Fatalf("secret leaked: %s", out)
			}
		}
	}
	if got := fmt.Sprint(Secret("")); got != "" {
		t.Errorf("empty secret prints %q", got)
	}
	// JSON carries the value: that is how it is stored and edited.
	b, _ := json.Marshal(set.SignalingServers[0])
	if !strings.Contains(string(b), "s3cr3t-token") {
		t.Errorf("JSON lost the token: %s", b)
	}
}

func TestThemeStrings(t *testing.T) {
	for _, tc := range []struct {
		th   Theme
		wire string
	}{{ThemeSystem, "system"}, {ThemeLight, "light"}, {ThemeDark, "dark"}} {
		t.Run(tc.wire, func(t *testing.T) { checkEnum(t, tc.th, tc.wire, ParseTheme) })
	}
	if th, err := ParseTheme(""); err != nil || th != ThemeSystem {
		t.Errorf(`ParseTheme("") = %v, %v`, th, err)
	}
	for _, bad := range []string{"Dark", "sepia", "unknown"} {
		if _, err := ParseTheme(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseTheme(%q) err = %v", bad, err)
		}
	}
	if _, err := Theme(9).MarshalText(); err == nil {
		t.Error("MarshalText(Theme(9)) succeeded")
	}
}

// TestListenLAN: the hub listens with discovery on, and with it off only
// when the setting asks.
func TestListenLAN(t *testing.T) {
	for _, tc := range []struct {
		off, ask, want bool
	}{{false, false, true}, {true, false, false}, {true, true, true}, {false, true, true}} {
		s := Settings{DisableLANDiscovery: tc.off, ListenLANWithoutDiscovery: tc.ask}
		if got := s.ListenLAN(); got != tc.want {
			t.Errorf("%+v: ListenLAN %v, want %v", s, got, tc.want)
		}
	}
}
