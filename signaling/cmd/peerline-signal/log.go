package main

import (
	"context"
	"io"
	"log"
	"log/slog"
	"strings"
)

// newLogger returns the structured logger on w.
func newLogger(w io.Writer, level slog.Level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// httpErrorLog adapts net/http's error log to slog. TLS handshake failures
// (scanners, expired clients) are everyday noise on a public port: they
// go to debug; everything else (panics, accept errors) is a warning.
func httpErrorLog(logger *slog.Logger) *log.Logger {
	return log.New(httpLogWriter{logger}, "", 0)
}

type httpLogWriter struct{ logger *slog.Logger }

func (w httpLogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelWarn
	if strings.Contains(msg, "TLS handshake error") {
		level = slog.LevelDebug
	}
	w.logger.Log(context.Background(), level, msg, "source", "net/http")
	return len(p), nil
}
