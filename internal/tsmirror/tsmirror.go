// Package tsmirror reads the TypeScript mirrors of Go tables for the tests
// that keep the two in step (app/events, app/errcode). A mirror is one
// object in the frontend's enum idiom, one entry per line:
//
//	export const Name = {
//	  Key: 'wire',
//	} as const
//
// It owns that parsing only; it is imported by tests, never by a binary.
package tsmirror

import (
	"os"
	"regexp"
	"testing"
)

var entry = regexp.MustCompile(`(?m)^\s*(\w+):\s*'([^']+)',\s*$`)

// Entry is one `Key: 'value',` line of a mirror.
type Entry struct{ Key, Value string }

// Object returns the entries of `export const name = {...} as const` in
// the TypeScript file at path, in source order. A missing file or object
// fails the test.
func Object(t testing.TB, path, name string) []Entry {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the TypeScript mirror: %v", err)
	}
	obj := regexp.MustCompile(`(?s)export const ` + regexp.QuoteMeta(name) + ` = \{(.*?)\} as const`).FindSubmatch(src)
	if obj == nil {
		t.Fatalf("%s has no `export const %s = {...} as const`", path, name)
	}
	var out []Entry
	for _, m := range entry.FindAllSubmatch(obj[1], -1) {
		out = append(out, Entry{string(m[1]), string(m[2])})
	}
	return out
}
