package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/peerline/peerline/signaling"
)

// printUsage writes --help: what the server does, then every flag with
// its variable and default.
func printUsage(w io.Writer) {
	fmt.Fprintf(w, `Usage: %s [flags]

Peerline's internet signaling server: WebSocket signaling at %s,
GET /healthz (200 when ready, 503 while shutting down) and Prometheus metrics
at GET /metrics. Prints "listening on ADDR" to stdout once the socket is bound;
logs go to stderr. SIGTERM or SIGINT shuts down gracefully.

Each flag falls back to the environment variable shown; a flag given on the
command line wins. Secrets come from files or the environment, never from the
command line, and are never logged.

Flags:
`, progName, signaling.Path)
	for _, f := range flagSpecs {
		head := "  --" + f.name
		if f.arg != "" {
			head += " " + f.arg
		}
		fmt.Fprintln(w, head)
		text := strings.ToUpper(f.usage[:1]) + f.usage[1:]
		def := f.showDef
		if def == "" {
			def = f.def
		}
		switch env := f.env(); {
		case env != "":
			text += ". Env " + env + "; default " + def + "."
		case f.arg != "":
			text += ". Default " + def + "."
		}
		for _, line := range wrap(text, 70) {
			fmt.Fprintln(w, "        "+line)
		}
	}
	fmt.Fprintf(w, `
Secret variables (instead of --token-file and --turn-secret-file):
  %-28s the access token itself
  %-28s coturn's static-auth-secret itself

Exit status: 0 after a clean shutdown, 1 when serving fails, 2 on a usage error.
`, envToken, envTURNSecret)
}

// wrap breaks text into lines of at most width bytes at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}
