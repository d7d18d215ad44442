module github.com/olstate/olstate/bindings/go

go 1.19
