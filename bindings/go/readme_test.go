package olstate_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every ```go block of README.md is, whitespace aside, part of a _test.go
// file of this module (the body of a function that an Example with
// "// Output:" runs), so a snippet that stops compiling or behaving as shown
// fails go test. An import line must name this module.
func TestReadmeSnippetsAreExamples(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var tests strings.Builder
	for _, pattern := range []string{"*_test.go", "simulator/*_test.go"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			tests.WriteString(squash(string(text)))
			tests.WriteString("\n")
		}
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 4 {
		t.Fatalf("found %d Go snippets in README.md; the check itself is broken", len(blocks))
	}
	for _, b := range blocks {
		var body []string
		for _, line := range strings.Split(b[1], "\n") {
			if strings.HasPrefix(line, "import ") {
				if squash(line) != `import olstate "github.com/olstate/olstate/bindings/go"` {
					t.Errorf("README imports something else: %s", line)
				}
				continue
			}
			body = append(body, line)
		}
		if !strings.Contains(tests.String(), squash(strings.Join(body, "\n"))) {
			t.Errorf("this README snippet is not the body of a tested example:\n%s", b[1])
		}
	}
}

// squash turns every run of white space into one space.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }
