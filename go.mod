module github.com/kgeval/kgeval

go 1.26.8
