package calls

// Errors returned to the UI. Each carries a stable code (ErrorCode) that
// the bridge sends instead of the generic "failed".
var (
	ErrBusy      = &codedError{"busy", "calls: already in a call"}
	ErrNoCall    = &codedError{"no_call", "calls: no such call"}
	ErrWrongTime = &codedError{"wrong_state", "calls: not possible in this call state"}
	ErrBadInput  = &codedError{"bad_input", "calls: invalid input"}
)

type codedError struct{ code, msg string }

func (e *codedError) Error() string { return e.msg }

// ErrorCode is the code the UI matches on (bridge.Coder).
func (e *codedError) ErrorCode() string { return e.code }

// call is the manager's private view of one call.
