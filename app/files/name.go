package files

import (
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameBytes is the longest file name Sanitize returns, in bytes: below
// the 255 most file systems allow, with room for " (999)".
const MaxNameBytes = 200

// fallbackName is the name of a file whose own name has nothing usable.
const fallbackName = "file"

// windowsReserved are device names Windows will not create as files, with
// any extension ("nul.txt" too).
var windowsReserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// Sanitize turns a name the other side sent into a safe base name for any
// of the three systems (see the package doc). It never returns "", ".",
// "..", or anything with a separator in it.
func Sanitize(name string) string {
	name = strings.ToValidUTF8(name, "")
	// The last element of either kind of path.
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			// control characters: dropped
		case isBidiControl(r) || r == '\ufeff':
			// they make "exe.pdf" read as "fdp.exe": dropped
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteRune('_')
		case unicode.IsSpace(r):
			b.WriteRune(' ')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(b.String(), " .")
	if name == "" {
		return fallbackName
	}
	stem, ext := splitExt(name)
	// Windows reserves the device name before the first dot, whatever follows.
	base, _, _ := strings.Cut(name, ".")
	if windowsReserved[strings.ToUpper(strings.TrimRight(base, " "))] {
		stem = "_" + stem
	}
	return truncate(stem, ext, MaxNameBytes)
}

func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// splitExt splits "deck.pdf" into "deck" and ".pdf"; a name that is all
// extension (".bashrc" can't happen: leading dots are trimmed) or an
// extension longer than 16 bytes counts as no extension.
func splitExt(name string) (stem, ext string) {
	ext = filepath.Ext(name)
	if ext == name || len(ext) > 16 || strings.ContainsRune(ext, ' ') {
		return name, ""
	}
	return strings.TrimSuffix(name, ext), ext
}

// truncate keeps stem+ext within max bytes, cutting the stem on a rune
// boundary.
func truncate(stem, ext string, max int) string {
	if len(stem)+len(ext) <= max {
		return stem + ext
	}
	keep := max - len(ext)
	for keep > 0 && !utf8.RuneStart(stem[keep]) {
		keep--
	}
	stem = strings.TrimRight(stem[:keep], " .")
	if stem == "" {
		stem = fallbackName
	}
	return stem + ext
}

// numbered is the n-th alternative of a taken name: "deck (n).pdf".
func numbered(name string, n int) string {
	stem, ext := splitExt(name)
	return stem + " (" + itoa(n) + ")" + ext
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}
