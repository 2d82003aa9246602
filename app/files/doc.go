// Package files is where a file received in a call lands: a sink that the
// page streams chunks into (never the whole file in memory), which writes
// them to a hidden temporary ".part" file in the Downloads folder, hashes
// them as they come (SHA-256), and only when the last byte is in and the
// hash matches the sender's renames the file to its final, unique name
// ("deck (1).pdf"): nothing is ever overwritten, and nothing left by a
// failure, a cancel or a crash looks complete.
//
// # Life of a transfer
//
//	Begin(name, size)        → Transfer{ID, Name}: name sanitized, size checked
//	                           against MaxSize; the .part file is created
//	Write(id, offset, data)  offset must be the bytes received so far (chunks
//	                           come in order; after a reconnect the page asks
//	                           Received and the sender resumes from there)
//	Finish(id, sha256)       size and hash checked, then renamed: Transfer.Path
//	Abort(id)                the .part file removed (cancel, failure)
//
// A transfer with no Write for Config.IdleTimeout is aborted (the page that
// fed it is gone); Close aborts every open transfer.
//
// # Names
//
// Sanitize keeps the last path element only, drops control and
// bidirectional-override characters, replaces the characters Windows
// refuses (<>:"/\|?*), trims dots and spaces at the ends (no hidden
// files, nothing Windows would strip), prefixes Windows' reserved device
// names (CON, NUL, COM1…) with "_", and keeps at most MaxNameBytes bytes of
// UTF-8, extension kept. An empty result is "file".
//
// # Files on disk
//
// Partial files are ".peerline-<id>.part" in the same directory (so the
// rename never crosses file systems), mode 0600. A final name is claimed
// with a hard link (which fails when the name exists, so two transfers of
// "deck.pdf" never overwrite each other) and falls back, where links are
// not supported, to an exclusive create followed by a rename over it.
package files
