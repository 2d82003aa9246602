package store

import "fmt"

// Enums in this package are typed uint8s with an …Unknown zero value, a
// table of wire strings (what the database and JSON hold), String, a
// Parse function, and MarshalText/UnmarshalText for JSON.

// enumString returns names[e], or Type(n) for a value out of range.
func enumString[E ~uint8](names []string, e E, typ string) string {
	if int(e) < len(names) {
		return names[e]
	}
	return fmt.Sprintf("%s(%d)", typ, uint8(e))
}

// enumParse finds s among names, skipping the zero ("unknown") entry.
func enumParse[E ~uint8](names []string, s, typ string) (E, error) {
	for i := 1; i < len(names); i++ {
		if names[i] == s {
			return E(i), nil
		}
	}
	return 0, fmt.Errorf("store: parse %s %.32q: %w", typ, s, ErrInvalid)
}

// enumMarshal is MarshalText for a known value; unknown values are an
// error rather than "unknown" on the wire.
func enumMarshal[E ~uint8](names []string, e E, typ string) ([]byte, error) {
	if e == 0 || int(e) >= len(names) {
		return nil, fmt.Errorf("store: marshal %s %d: %w", typ, uint8(e), ErrInvalid)
	}
	return []byte(names[e]), nil
}
