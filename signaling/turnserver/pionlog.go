package turnserver

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/pion/logging"
)

// pionLogs routes pion's logging to slog, scope as an attribute. pion's
// Info is mostly per-packet detail, so it lands at Debug.
type pionLogs struct{ logger *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.logger.With("component", "turn", "scope", scope)}
}

type pionLogger struct{ l *slog.Logger }

func (p pionLogger) log(level slog.Level, msg string) {
	p.l.Log(context.Background(), level, msg)
}

// logf formats only when the level is on: pion logs per packet at Debug.
func (p pionLogger) logf(level slog.Level, format string, args []any) {
	if p.l.Enabled(context.Background(), level) {
		p.log(level, fmt.Sprintf(format, args...))
	}
}

func (p pionLogger) Trace(string)              {}
func (p pionLogger) Tracef(string, ...any)     {}
func (p pionLogger) Debug(msg string)          { p.log(slog.LevelDebug, msg) }
func (p pionLogger) Debugf(f string, a ...any) { p.logf(slog.LevelDebug, f, a) }
func (p pionLogger) Info(msg string)           { p.log(slog.LevelDebug, msg) }
func (p pionLogger) Infof(f string, a ...any)  { p.logf(slog.LevelDebug, f, a) }
func (p pionLogger) Warn(msg string)           { p.log(slog.LevelWarn, msg) }
func (p pionLogger) Warnf(f string, a ...any)  { p.logf(slog.LevelWarn, f, a) }
func (p pionLogger) Error(msg string)          { p.log(slog.LevelError, msg) }
func (p pionLogger) Errorf(f string, a ...any) { p.logf(slog.LevelError, f, a) }
