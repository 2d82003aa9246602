package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Environment variables that override the choice of browser: a program
// (path or name on PATH) and extra arguments, separated by spaces, put
// before the app-mode ones. Tests use them to add headless and fake-media
// flags; users can point Peerline at a browser it does not know.
const (
	EnvProgram = "PEERLINE_BROWSER"
	EnvArgs    = "PEERLINE_BROWSER_ARGS"
)

// Options configure a Launcher. The zero value works: the first known
// browser found, the user's own profile, slog.Default.
type Options struct {
	// Program is the browser to run, a path or a name on PATH. Default:
	// $PEERLINE_BROWSER, else the first of Candidates() found. A program
	// given here or in the environment is run in app mode.
	Program string
	// Args go before the app-mode arguments. Default: $PEERLINE_BROWSER_ARGS.
	Args []string
	// ProfileDir is the browser profile for call windows (created if
	// missing). A profile of its own keeps the call window out of the
	// user's browsing session and lets Close end it. Empty: the user's
	// default profile.
	ProfileDir string
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

// Window says how the call window was opened.
type Window struct {
	// Program that was run.
	Program string `json:"program"`
	// AppMode is true for a Chromium-family app window, false for the
	// default browser (a tab the user may have to find).
	AppMode bool `json:"appMode"`
}

// ErrClosed means the Launcher was closed.
var ErrClosed = errors.New("browser: launcher closed")

// ErrNoBrowser means neither a known browser nor a default-browser opener
// was found.
var ErrNoBrowser = errors.New("browser: no browser found")

// Launcher starts call windows and owns the app-mode browser processes it
// started: Close ends those still running. Safe for concurrent use.
type Launcher struct {
	opts   Options
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	closed bool
}

// New returns a Launcher; nothing runs until Open.
func New(opts Options) *Launcher {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Program == "" {
		opts.Program = os.Getenv(EnvProgram)
	}
	if opts.Args == nil {
		opts.Args = strings.Fields(os.Getenv(EnvArgs))
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Launcher{opts: opts, log: opts.Logger, ctx: ctx, cancel: cancel}
}

// Find returns the program Open would run and whether it runs in app mode.
func (l *Launcher) Find() (program string, appMode bool, err error) {
	if p := l.opts.Program; p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return "", false, fmt.Errorf("browser: %s: %w", p, err)
		}
		return path, true, nil
	}
	for _, c := range Candidates() {
		if path, err := exec.LookPath(c); err == nil {
			return path, true, nil
		}
	}
	if o := defaultOpener(); len(o) > 0 {
		if path, err := exec.LookPath(o[0]); err == nil {
			return path, false, nil
		}
	}
	return "", false, ErrNoBrowser
}

// Open opens url in a call window and returns once the browser started
// (not once the page loaded). ctx bounds only the start.
func (l *Launcher) Open(ctx context.Context, url string) (Window, error) {
	program, appMode, err := l.Find()
	if err != nil {
		return Window{}, err
	}
	var args []string
	if appMode {
		args = append(args, l.opts.Args...)
		if l.opts.ProfileDir != "" {
			// The profile holds the page's session (its sessionStorage, its
			// history): this account's only, even if it existed wider.
			if err := os.MkdirAll(l.opts.ProfileDir, 0o700); err != nil {
				return Window{}, fmt.Errorf("browser: profile: %w", err)
			}
			if err := os.Chmod(l.opts.ProfileDir, 0o700); err != nil && runtime.GOOS != "windows" {
				return Window{}, fmt.Errorf("browser: profile: %w", err)
			}
			args = append(args, "--user-data-dir="+l.opts.ProfileDir)
		}
		args = append(args, appArgs(url)...)
	} else {
		args = append(defaultOpener()[1:], url)
	}
	if err := ctx.Err(); err != nil {
		return Window{}, fmt.Errorf("browser: open: %w", err)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return Window{}, ErrClosed
	}
	var cmd *exec.Cmd
	if appMode {
		// Ours: ended (gently first) when the app closes.
		cmd = exec.CommandContext(l.ctx, program, args...)
		cmd.Cancel = func() error { return cmd.Process.Signal(terminate) }
		cmd.WaitDelay = 5 * time.Second
	} else {
		// The user's browser: never ours to end.
		cmd = exec.Command(program, args...)
	}
	setProcessAttrs(cmd)
	if err := cmd.Start(); err != nil {
		return Window{}, fmt.Errorf("browser: start %s: %w", program, err)
	}
	l.log.Info("browser: call window opened", "program", program, "app_mode", appMode, "pid", cmd.Process.Pid)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		err := cmd.Wait()
		var exit *exec.ExitError
		switch {
		case err == nil, l.ctx.Err() != nil:
			l.log.Info("browser: call window closed", "pid", cmd.Process.Pid)
		case errors.As(err, &exit):
			l.log.Warn("browser: call window exited", "pid", cmd.Process.Pid, "status", exit.ExitCode())
		default:
			l.log.Warn("browser: call window", "pid", cmd.Process.Pid, "err", err)
		}
	}()
	return Window{Program: program, AppMode: appMode}, nil
}

// Close ends the app-mode browsers still running and waits for every
// process Open started. Later Opens fail with ErrClosed.
func (l *Launcher) Close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	l.cancel()
	l.wg.Wait()
}

// appArgs are the arguments of a Chromium-family app window on url.
func appArgs(url string) []string {
	return []string{
		"--app=" + url,
		"--no-first-run",
		"--no-default-browser-check",
		"--window-size=1100,760",
		// The call window answers a call the user accepted in the app
		// window, so there is no click in this page before the remote
		// sound must play. Only this profile is affected.
		"--autoplay-policy=no-user-gesture-required",
	}
}
