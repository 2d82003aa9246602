// Package logbuf holds a byte buffer that several goroutines may write to
// at once: tests point loggers and child processes' output at it and read
// it back while they still run.
//
// It is test scaffolding: it knows nothing of Peerline, never parses what
// it holds, and production code must not import it.
package logbuf
