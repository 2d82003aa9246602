//go:build unix && !darwin

package autostart

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// need returns the path of tool, skipping the test when it is missing
// outside CI (make deps-test installs it; in CI a missing tool fails).
func need(t *testing.T, tool, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (apt-get install %s; make deps-test does)", tool, pkg)
		}
		t.Skipf("%s is missing (apt-get install %s)", tool, pkg)
	}
	return p
}

// TestSetWritesAndRemoves: on writes a valid autostart file under the
// config home with --hidden in its Exec line; off removes it; both are
// idempotent, and Enabled follows.
func TestSetWritesAndRemoves(t *testing.T) {
	home := t.TempDir()
	e := New(Options{Executable: "/usr/bin/peerline", ConfigHome: home})
	file := filepath.Join(home, "autostart", "peerline.desktop")
	for _, step := range []struct {
		on   bool
		want bool
	}{{true, true}, {true, true}, {false, false}, {false, false}, {true, true}} {
		if err := e.Set(step.on); err != nil {
			t.Fatalf("Set(%v): %v", step.on, err)
		}
		got, err := e.Enabled()
		if err != nil || got != step.want {
			t.Fatalf("after Set(%v): Enabled = %v, %v; want %v", step.on, got, err, step.want)
		}
		_, statErr := os.Stat(file)
		if (statErr == nil) != step.want {
			t.Fatalf("after Set(%v): %s: %v", step.on, file, statErr)
		}
	}
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "\nExec=/usr/bin/peerline --hidden\n") {
		t.Errorf("autostart file:\n%s\nwant Exec=/usr/bin/peerline --hidden", text)
	}
	left, _ := filepath.Glob(filepath.Join(home, "autostart", ".peerline-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	out, err := exec.Command(need(t, "desktop-file-validate", "desktop-file-utils"), file).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("desktop-file-validate: %v\n%s", err, out)
	}
}

// TestXDGConfigHome: with no override, the file goes under
// $XDG_CONFIG_HOME, and under ~/.config when that is unset or relative.
func TestXDGConfigHome(t *testing.T) {
	xdg, home := t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	for _, tc := range []struct{ env, dir string }{
		{xdg, xdg},
		{"", filepath.Join(home, ".config")},
		{"relative/dir", filepath.Join(home, ".config")},
	} {
		t.Setenv("XDG_CONFIG_HOME", tc.env)
		p, err := New(Options{}).path()
		if want := filepath.Join(tc.dir, "autostart", "peerline.desktop"); err != nil || p != want {
			t.Errorf("XDG_CONFIG_HOME=%q: path %q, %v; want %q", tc.env, p, err, want)
		}
	}
}

// TestExecLineAsADesktopRunsIt: the Exec line, however odd the program's
// path, starts that program with exactly its arguments when GLib's
// launcher (what GNOME and most desktops use) runs the file.
func TestExecLineAsADesktopRunsIt(t *testing.T) {
	gio := need(t, "gio", "libglib2.0-bin")
	// No "%" in the path: GLib looks for the program before it reads "%%".
	dir := filepath.Join(t.TempDir(), `odd dir "$HOME" \back`)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "args")
	prog := filepath.Join(dir, "peer line")
	script := "#!/bin/sh\nfor a in \"$0\" \"$@\"; do printf '%s\\n' \"$a\"; done > '" + out + "'\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{HiddenFlag, "it's", "a$b", "back\\slash", "100%", "`x`"}
	home := t.TempDir()
	if err := New(Options{Executable: prog, Args: args, ConfigHome: home}).Set(true); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gio, "launch", filepath.Join(home, "autostart", "peerline.desktop"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gio launch: %v\n%s", err, b)
	}
	// gio launch returns once the program is spawned; it writes its file
	// whole before it exits, so wait for the file's last line.
	var got []string
	for ctx.Err() == nil {
		b, _ := os.ReadFile(out)
		if got = strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); len(got) == 1+len(args) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if want := append([]string{prog}, args...); !slices.Equal(got, want) {
		t.Errorf("the desktop ran %q, want %q", got, want)
	}
}

// FuzzExecArg: every argument, quoted, reads back (by the spec's rules,
// as unquoteExec applies them) as itself, on one line.
func FuzzExecArg(f *testing.F) {
	for _, s := range []string{"", "--hidden", "/usr/bin/peerline", `a "b" $c \d`, "100%", "x\ny", "`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, a string) {
		q := execArg(a)
		if strings.ContainsAny(q, "\r\n") {
			t.Fatalf("execArg(%q) = %q spans lines", a, q)
		}
		got, ok := unquoteExec(q)
		if !ok || got != a {
			t.Fatalf("execArg(%q) = %q reads back as %q (ok %v)", a, q, got, ok)
		}
	})
}

// unquoteExec reads one Exec argument as a desktop does: the string
// escapes first, then the quoting and the doubled percent.
func unquoteExec(q string) (string, bool) {
	var s strings.Builder // after the string escapes
	for i := 0; i < len(q); i++ {
		if q[i] != '\\' {
			s.WriteByte(q[i])
			continue
		}
		if i++; i == len(q) {
			return "", false
		}
		switch q[i] {
		case 's':
			s.WriteByte(' ')
		case 'n':
			s.WriteByte('\n')
		case 't':
			s.WriteByte('\t')
		case 'r':
			s.WriteByte('\r')
		case '\\':
			s.WriteByte('\\')
		default:
			return "", false
		}
	}
	v := s.String()
	var out strings.Builder
	quoted := strings.HasPrefix(v, `"`)
	if quoted {
		if len(v) < 2 || !strings.HasSuffix(v, `"`) {
			return "", false
		}
		v = v[1 : len(v)-1]
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quoted && c == '\\':
			if i++; i == len(v) || !strings.ContainsRune("\"`$\\", rune(v[i])) {
				return "", false
			}
			out.WriteByte(v[i])
		case quoted && strings.ContainsRune("\"`$", rune(c)):
			return "", false
		case c == '%':
			if i++; i == len(v) || v[i] != '%' {
				return "", false
			}
			out.WriteByte('%')
		default:
			out.WriteByte(c)
		}
	}
	return out.String(), true
}
