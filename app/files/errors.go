package files

import "errors"

// The sentinels; package api maps them to error codes.
var (
	// ErrTooLarge: the announced size is over Config.MaxSize.
	ErrTooLarge = errors.New("files: file too large")
	// ErrEmpty: an empty file (size 0) is not transferred.
	ErrEmpty = errors.New("files: empty file")
	// ErrNoTransfer: no open transfer has that id (finished, aborted,
	// timed out, or never begun).
	ErrNoTransfer = errors.New("files: no such transfer")
	// ErrOffset: a chunk's offset is not the bytes received so far.
	ErrOffset = errors.New("files: chunk out of order")
	// ErrOverrun: more bytes than the announced size.
	ErrOverrun = errors.New("files: more data than announced")
	// ErrIncomplete: Finish before every announced byte arrived.
	ErrIncomplete = errors.New("files: file incomplete")
	// ErrChecksum: the bytes received do not hash to the sender's SHA-256.
	ErrChecksum = errors.New("files: checksum mismatch")
	// ErrDiskFull: the disk has no room for the file.
	ErrDiskFull = errors.New("files: disk full")
	// ErrTooMany: Config.MaxOpen transfers are open already.
	ErrTooMany = errors.New("files: too many transfers at once")
	// ErrClosed: the sink is closed.
	ErrClosed = errors.New("files: closed")
)
