package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // serving failed
	exitUsage   = 2 // bad flags or environment
)

func main() {
	opts, err := parseConfig(os.Args[1:], os.Getenv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(os.Stdout)
		os.Exit(exitOK)
	case err != nil:
		fmt.Fprintf(os.Stderr, "%s: %v\nRun '%s --help' for usage.\n", progName, err, progName)
		os.Exit(exitUsage)
	case opts.version:
		fmt.Println(versionLine())
		os.Exit(exitOK)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal, restore the default handling so a second
	// one ends the process at once.
	context.AfterFunc(ctx, stop)

	if err := run(ctx, opts, os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", progName, err)
		os.Exit(exitFailure)
	}
}
