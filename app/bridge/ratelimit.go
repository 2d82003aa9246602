package bridge

import "golang.org/x/time/rate"

// newLimiter is one connection's frame limit: a token bucket
// (golang.org/x/time/rate) that starts full with cfg.Burst tokens and
// refills at cfg.RatePerSecond; each frame takes one.
func newLimiter(cfg Config) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(cfg.RatePerSecond), cfg.Burst)
}
