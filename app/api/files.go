package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/files"
)

// fileSink is where received files go (files.Sink).
type fileSink interface {
	Begin(ctx context.Context, name string, size int64) (files.Transfer, error)
	Write(id string, offset int64, data []byte) (int64, error)
	Received(id string) (files.Transfer, error)
	Finish(id, sum string) (files.Transfer, error)
	Abort(id string) error
}

// Files is the bound service a call's page streams a received file
// through, chunk by chunk, to the Downloads folder (package files). The
// page never holds the whole file; Go writes it to a hidden .part file,
// hashes it as it comes and names it only once it is complete and its
// SHA-256 matches. In the bridge's pages the chunks take a binary path
// (FilesUpload) instead of Write's base64.
type Files struct {
	ctx  context.Context
	sink fileSink
}

// NewFiles returns the Files service.
func NewFiles(ctx context.Context, sink fileSink) *Files {
	return &Files{ctx: ctx, sink: sink}
}

// Begin starts receiving a file the sender calls name, of size bytes.
// The result's Name is the sanitized one. An empty file is empty_file,
// one over the limit file_too_large, too little room disk_full.
func (s *Files) Begin(name string, size int64) (files.Transfer, error) {
	t, err := s.sink.Begin(s.ctx, name, size)
	return t, filesCoded(err)
}

// Write appends a base64 chunk (at most 4 MiB decoded) at offset, which
// must be the bytes received so far; it returns the bytes received after
// it.
func (s *Files) Write(id string, offset int64, data string) (int64, error) {
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return 0, errcode.Errorf(errcode.BadInput, "files: write: data is not base64: %w", err)
	}
	n, err := s.sink.Write(id, offset, b)
	return n, filesCoded(err)
}

// Received is the transfer as it stands (after a reconnect the sender
// resumes from its Received).
func (s *Files) Received(id string) (files.Transfer, error) {
	t, err := s.sink.Received(id)
	return t, filesCoded(err)
}

// Finish checks the file against the sender's SHA-256 (hex) and gives it
// its final name in the Downloads folder; a mismatch is checksum_mismatch
// and removes it.
func (s *Files) Finish(id, sha256 string) (files.Transfer, error) {
	t, err := s.sink.Finish(id, sha256)
	return t, filesCoded(err)
}

// Abort drops a transfer (cancelled, failed) and its partial file.
func (s *Files) Abort(id string) error {
	return filesCoded(s.sink.Abort(id))
}

// filesCoded gives the sink's errors their codes.
func filesCoded(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, files.ErrTooLarge):
		return errcode.Wrap(errcode.FileTooLarge, err)
	case errors.Is(err, files.ErrEmpty):
		return errcode.Wrap(errcode.EmptyFile, err)
	case errors.Is(err, files.ErrDiskFull):
		return errcode.Wrap(errcode.DiskFull, err)
	case errors.Is(err, files.ErrChecksum):
		return errcode.Wrap(errcode.ChecksumMismatch, err)
	case errors.Is(err, files.ErrNoTransfer):
		return errcode.Wrap(errcode.NotFound, err)
	case errors.Is(err, files.ErrTooMany):
		return errcode.Wrap(errcode.Overloaded, err)
	case errors.Is(err, files.ErrOffset), errors.Is(err, files.ErrOverrun), errors.Is(err, files.ErrIncomplete):
		return errcode.Wrap(errcode.WrongState, err)
	}
	return coded(err)
}

// FilesUpload is the binary path for Files.Write on the loopback bridge:
//
//	PUT /api/files/ID?offset=N   body: the chunk's bytes (at most 4 MiB)
//	→ 200 {"received":N}
//	→ 4xx/5xx {"code":"…","message":"…"} (the codes of Files.Write)
//
// JSON and base64 would cost a third more bytes and a parse per chunk, and
// the WebSocket's frame rate limit would cap a file at ~100 chunks a
// second. The bridge checks the token before this runs. Not bound: it is
// an http.Handler.
type FilesUpload struct {
	Sink fileSink
}

// FilesUploadPath is where the bridge mounts FilesUpload.
const FilesUploadPath = "/api/files/"

func (u *FilesUpload) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPut {
		w.Header().Set("Allow", "PUT")
		writeUploadError(w, http.StatusMethodNotAllowed, errcode.New(errcode.BadRequest, "files: only PUT"))
		return
	}
	id := strings.TrimPrefix(r.URL.Path, FilesUploadPath)
	offset, err := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	if id == "" || strings.Contains(id, "/") || err != nil || offset < 0 {
		writeUploadError(w, http.StatusBadRequest, errcode.New(errcode.BadRequest, "files: PUT /api/files/ID?offset=N"))
		return
	}
	buf := uploadBufs.Get().(*[]byte)
	defer uploadBufs.Put(buf)
	body, err := readChunk(http.MaxBytesReader(w, r.Body, files.MaxChunk), (*buf)[:files.MaxChunk])
	if err != nil {
		writeUploadError(w, http.StatusRequestEntityTooLarge, errcode.Errorf(errcode.TooLarge, "files: chunk: %w", err))
		return
	}
	n, err := u.Sink.Write(id, offset, body)
	if err != nil {
		writeUploadError(w, http.StatusConflict, filesCoded(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(struct {
		Received int64 `json:"received"`
	}{n})
}

// uploadBufs holds MaxChunk buffers for FilesUpload: a file arrives in
// chunks of up to 4 MiB, and io.ReadAll would grow (and copy) a new buffer
// a dozen times for each. The sink does not keep the bytes it is given.
var uploadBufs = sync.Pool{New: func() any {
	b := make([]byte, files.MaxChunk)
	return &b
}}

// readChunk reads all of r into buf, which r must not overflow (r is a
// MaxBytesReader of len(buf): its error says so).
func readChunk(r io.Reader, buf []byte) ([]byte, error) {
	n := 0
	for {
		if n == len(buf) {
			// Full: anything more is over the limit.
			var one [1]byte
			if m, err := r.Read(one[:]); m > 0 || (err != nil && err != io.EOF) {
				if err == nil {
					err = errors.New("chunk over the limit")
				}
				return nil, err
			}
			return buf, nil
		}
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return buf[:n], nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func writeUploadError(w http.ResponseWriter, status int, err error) {
	code := errcode.Failed
	var e *errcode.Error
	if errors.As(err, &e) {
		code = e.Code
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{string(code), err.Error()})
}
