//go:build race

package tray

// raceEnabled: built with -race.
const raceEnabled = true
