package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/files"
)

func TestFilesService(t *testing.T) {
	sink, err := files.New(files.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	s := NewFiles(context.Background(), sink)
	upload := httptest.NewServer(&FilesUpload{Sink: sink})
	defer upload.Close()

	data := []byte("hello, file")
	tr, err := s.Begin("../hello.txt", int64(len(data)))
	if err != nil || tr.Name != "hello.txt" {
		t.Fatalf("Begin: %+v %v", tr, err)
	}
	// The first half through the bound method (base64), the rest as raw bytes.
	if n, err := s.Write(tr.ID, 0, base64.StdEncoding.EncodeToString(data[:5])); err != nil || n != 5 {
		t.Fatalf("Write: %d %v", n, err)
	}
	put := func(offset string, body []byte) (int, string) {
		req, _ := http.NewRequest(http.MethodPut, upload.URL+FilesUploadPath+tr.ID+"?offset="+offset, strings.NewReader(string(body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := put("9", data[5:]); code != http.StatusConflict || !strings.Contains(body, `"code":"wrong_state"`) {
		t.Fatalf("a chunk at the wrong offset: %d %s", code, body)
	}
	if code, body := put("5", data[5:]); code != 200 || !strings.Contains(body, `"received":11`) {
		t.Fatalf("PUT: %d %s", code, body)
	}
	if code, _ := put("x", nil); code != http.StatusBadRequest {
		t.Fatalf("a bad offset: %d", code)
	}
	if got, _ := s.Received(tr.ID); got.Received != 11 {
		t.Fatalf("Received: %+v", got)
	}
	h := sha256.Sum256(data)
	done, err := s.Finish(tr.ID, hex.EncodeToString(h[:]))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(done.Path); string(b) != string(data) {
		t.Fatalf("saved %q", b)
	}
}

func TestFilesCodes(t *testing.T) {
	sink, _ := files.New(files.Config{Dir: t.TempDir()})
	defer sink.Close()
	s := NewFiles(context.Background(), sink)
	cases := []struct {
		name string
		err  error
		want errcode.Code
	}{
		{"empty", func() error { _, err := s.Begin("a", 0); return err }(), errcode.EmptyFile},
		{"4 GiB", func() error { _, err := s.Begin("a", 4<<30); return err }(), errcode.FileTooLarge},
		{"unknown id", func() error { _, err := s.Write("nope", 0, ""); return err }(), errcode.NotFound},
		{"not base64", func() error { _, err := s.Write("nope", 0, "!!"); return err }(), errcode.BadInput},
		{"checksum", func() error {
			tr, _ := s.Begin("a", 1)
			s.Write(tr.ID, 0, "eA==")
			_, err := s.Finish(tr.ID, strings.Repeat("00", 32))
			return err
		}(), errcode.ChecksumMismatch},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want code %s", c.name, c.err, c.want)
		}
	}
}

// A PUT of exactly files.MaxChunk is written whole; one byte more is
// refused and writes nothing (the pooled buffer must neither cut nor
// overflow).
func TestFilesUploadLimit(t *testing.T) {
	sink, err := files.New(files.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	upload := httptest.NewServer(&FilesUpload{Sink: sink})
	defer upload.Close()
	tr, err := sink.Begin(context.Background(), "big.bin", 3*files.MaxChunk)
	if err != nil {
		t.Fatal(err)
	}
	put := func(offset int, n int) (int, string) {
		body := make([]byte, n)
		for i := range body {
			body[i] = byte(i * 7)
		}
		req, _ := http.NewRequest(http.MethodPut, upload.URL+FilesUploadPath+tr.ID+"?offset="+strconv.Itoa(offset), bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := put(0, files.MaxChunk); code != 200 || !strings.Contains(body, `"received":`+strconv.Itoa(files.MaxChunk)) {
		t.Fatalf("a chunk of MaxChunk: %d %s", code, body)
	}
	if code, body := put(files.MaxChunk, files.MaxChunk+1); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a chunk over MaxChunk: %d %s", code, body)
	}
	if code, body := put(files.MaxChunk, 100); code != 200 || !strings.Contains(body, `"received":`+strconv.Itoa(files.MaxChunk+100)) {
		t.Fatalf("a small chunk after: %d %s", code, body)
	}
}
