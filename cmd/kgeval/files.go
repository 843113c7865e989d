package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kgeval/kgeval/internal/results"
)

// input is an opened input file. Inputs are read twice (validated, then
// processed), so standard input ("-") and other streams that cannot be
// read again (a pipe, a FIFO, a process substitution) are first spooled to
// a temporary file.
type input struct {
	name string
	path string
	temp bool
}

func openInput(sys *IO, name string) (*input, error) {
	if name == "-" {
		return spool(sys.In, "<stdin>")
	}
	fi, err := os.Stat(name)
	if err != nil {
		return nil, inputError("%v", err)
	}
	if fi.IsDir() {
		return nil, inputError("%s is a directory, not a file", name)
	}
	if fi.Mode().IsRegular() {
		return &input{name: name, path: name}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, inputError("%v", err)
	}
	defer f.Close()
	return spool(f, name)
}

// spool copies a stream to a temporary file.
func spool(r io.Reader, name string) (*input, error) {
	f, err := os.CreateTemp("", "kgeval-input-*")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	return &input{name: name, path: f.Name(), temp: true}, nil
}

// open returns a fresh reader over the whole input.
func (in *input) open() (*os.File, error) { return os.Open(in.path) }

func (in *input) cleanup() {
	if in.temp {
		os.Remove(in.path)
	}
}

// output is where a command writes its data: standard output, or a file
// written to a temporary name and renamed into place on success, so that an
// interrupted run never leaves a half-written file.
type output struct {
	w     io.Writer
	file  *os.File
	final string
}

func createOutput(sys *IO, path string) (*output, error) {
	if path == "" || path == "-" {
		return &output{w: sys.Out}, nil
	}
	if results.Special(path) {
		// /dev/null, a named pipe: written in place, as a file renamed
		// onto it would replace it.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, inputError("open output: %v", err)
		}
		return &output{w: f, file: f}, nil
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, inputError("create output: %v", err)
	}
	// CreateTemp makes the file private (0600); an output is an ordinary file.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &output{w: f, file: f, final: path}, nil
}

// commit finishes the output: renames the file into place when ok,
// removes it otherwise.
func (o *output) commit(ok bool) error {
	if o.file == nil {
		return nil
	}
	err := o.file.Close()
	if o.final == "" { // written in place
		return err
	}
	if !ok || err != nil {
		os.Remove(o.file.Name())
		return err
	}
	return os.Rename(o.file.Name(), o.final)
}
