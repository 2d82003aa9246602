package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/peerline/peerline/app"
	"github.com/peerline/peerline/app/autostart"
	"github.com/peerline/peerline/app/invite"
	"github.com/peerline/peerline/signaling"
)

// flags is the parsed command line.
type flags struct {
	// openLink is an invite link given as the one argument (a click on
	// peerline://add?…: the installers register the scheme with
	// `peerline %u`).
	openLink string
	headless bool
	// notify: headless, ring through a desktop notification (--notify).
	notify bool
	// hidden starts the window app with no window, in the tray (the
	// login autostart entry runs this).
	hidden bool
	// quit asks the Peerline running with the data dir to quit, and exits.
	quit        bool
	dataDir     string
	name        string
	uiAddr      string
	hubPort     int
	ringTimeout time.Duration
	signalURLs  []string
	noDiscovery bool
	lanHub      bool
	interfaces  []string
	logLevel    slog.Level

	// toastActivated: Windows started this launch for a click on a toast
	// (--toast-activated, which the toast registration puts on the command
	// line, or COM's own -Embedding): the click goes to the running one.
	toastActivated bool
}

const usageText = `Usage: peerline [flags]

Peerline calls your colleagues directly: people on the same network find
each other automatically; others are reached through a signaling server.

Flags:
`

// parseFlags reads args; it returns nil flags (and no error) after
// printing --version to stdout or --help to stderr. Usage and errors go to
// stderr: stdout carries only what scripts read (the ui: line, the version).
func parseFlags(args []string, stdout, stderr io.Writer) (*flags, error) {
	f := &flags{}
	fs := flag.NewFlagSet("peerline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var signal, ifaces, level string
	var version, embedding bool
	fs.BoolVar(&f.headless, "headless", false, "run the core with no window; print the line ui: URL (the loopback bridge, with its token) once ready")
	fs.BoolVar(&f.hidden, "hidden", false, "start with no window: Peerline runs in the tray (what start-at-login runs)")
	fs.BoolVar(&f.quit, "quit", false, "ask the Peerline running with this data dir to quit fully (hanging up a call), wait until it has, and exit")
	fs.BoolVar(&f.notify, "notify", false, "with --headless: ring through a desktop notification naming the caller (Answer opens the call window); the window always does while it is hidden or unfocused")
	fs.BoolVar(&f.toastActivated, "toast-activated", false, "Windows: this launch is for a click on a Peerline notification; it hands the click to the Peerline running with the data dir (Windows runs this itself)")
	fs.BoolVar(&embedding, "Embedding", false, "Windows: COM adds this to a launch it starts for a notification click (as --toast-activated)")
	fs.StringVar(&f.dataDir, "data-dir", "", "directory for the identity key, database and settings (default: the OS config dir + /Peerline)")
	fs.StringVar(&f.name, "name", "", "display name to announce (saved in settings)")
	fs.StringVar(&f.uiAddr, "ui-addr", "127.0.0.1:0", "loopback address of the UI bridge (port 0 picks a free one)")
	fs.IntVar(&f.hubPort, "hub-port", 0, "TCP port of the LAN signaling hub (0: the default 47400, or a free port if taken)")
	fs.DurationVar(&f.ringTimeout, "ring-timeout", 0, "how long an incoming call rings before it is missed (default: the setting, 45s)")
	fs.StringVar(&signal, "signal-url", "", "comma-separated signaling server URLs (ws:// or wss://) to use besides those in settings")
	fs.BoolVar(&f.noDiscovery, "no-discovery", false, "turn LAN discovery (mDNS) off; the LAN hub then does not listen either, unless --lan-hub")
	fs.BoolVar(&f.lanHub, "lan-hub", false, "keep the LAN hub listening with discovery off, for people who add this machine by address (also a setting)")
	fs.StringVar(&ifaces, "interfaces", "", "comma-separated network interfaces for LAN discovery (default: the setting, all)")
	fs.StringVar(&level, "log-level", "info", "log level: debug, info, warn or error (logs go to stderr)")
	fs.BoolVar(&version, "version", false, "print the version and exit")
	fs.Usage = func() {} // printed below: --help to stdout, mistakes to stderr
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, fs)
			return nil, nil
		}
		printUsage(stderr, fs)
		return nil, err
	}
	switch {
	case fs.NArg() == 1 && strings.EqualFold(fs.Arg(0), "/Embedding"):
		embedding = true // COM's older spelling of -Embedding
	case fs.NArg() == 1 && invite.IsLink(fs.Arg(0)):
		f.openLink = fs.Arg(0)
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	f.toastActivated = f.toastActivated || embedding
	if f.quit && f.openLink != "" {
		return nil, errors.New("--quit takes no invite link (see --help)")
	}
	if version {
		fmt.Fprintln(stdout, "peerline", app.Version())
		return nil, nil
	}
	if err := f.logLevel.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	if f.hubPort < 0 || f.hubPort > 65535 {
		return nil, fmt.Errorf("--hub-port %d: want 0-65535", f.hubPort)
	}
	if f.ringTimeout < 0 {
		return nil, fmt.Errorf("--ring-timeout %s: must be positive", f.ringTimeout)
	}
	for _, u := range splitList(signal) {
		su, err := signaling.ParseServerURL(u)
		if err != nil {
			var ue *signaling.ServerURLError
			if errors.As(err, &ue) {
				return nil, fmt.Errorf("--signal-url %q: %s", u, ue.Reason)
			}
			return nil, fmt.Errorf("--signal-url %q: %w", u, err)
		}
		f.signalURLs = append(f.signalURLs, su.String())
	}
	f.interfaces = splitList(ifaces)
	return f, nil
}

// printUsage lists every flag GNU-style (--name), with its default.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, usageText)
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		if arg != "" {
			arg = " " + arg
		}
		def := ""
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			def = fmt.Sprintf(" (default %q)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%s%s\n    \t%s%s\n", f.Name, arg, usage, def)
	})
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// autostartOptions is what the login entry starts: this executable with
// --hidden, and the data dir this launch was given (an absolute path), so
// that the login starts the same Peerline, not the default one.
func autostartOptions(dataDir string) (autostart.Options, error) {
	if dataDir == "" {
		return autostart.Options{}, nil
	}
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return autostart.Options{}, fmt.Errorf("data dir %s: %w", dataDir, err)
	}
	return autostart.Options{Args: []string{autostart.HiddenFlag, "--data-dir", abs}}, nil
}
