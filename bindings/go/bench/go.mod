// olstate-go-bench: a module of its own, so the binding's `go vet ./...` and
// `go test ./...` never build or run it.
module olstatebench

go 1.19

require github.com/olstate/olstate/bindings/go v0.0.0

replace github.com/olstate/olstate/bindings/go => ../
