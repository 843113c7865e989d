package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// input is an opened input file; "-" is standard input, spooled to a
// temporary file so that it can be read twice (validated, then processed).
type input struct {
	name string
	path string
	temp bool
}

func openInput(sys *IO, name string) (*input, error) {
	if name != "-" {
		if _, err := os.Stat(name); err != nil {
			return nil, inputError("%v", err)
		}
		return &input{name: name, path: name}, nil
	}
	f, err := os.CreateTemp("", "kgeval-stdin-*")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, sys.In); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return &input{name: "<stdin>", path: f.Name(), temp: true}, nil
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
	if !ok || err != nil {
		os.Remove(o.file.Name())
		return err
	}
	return os.Rename(o.file.Name(), o.final)
}
