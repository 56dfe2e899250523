package onboarding

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/evalroom/evalroom/protocol"
)

//go:embed bank/sample.json
var sampleBank embed.FS

// BankFile is the name of the operator's question bank in the hub's data
// directory; without it the hub serves the embedded sample bank.
const BankFile = "exam-bank.json"

// Question is one question of the bank: single choice (one answer) or
// multiple choice (two or more, scored all-or-nothing).
type Question struct {
	ID      string   `json:"id"`
	Type    string   `json:"type"` // single, multiple
	Text    string   `json:"text"`
	Options []string `json:"options"` // lettered A, B, C… in order
	Answer  string   `json:"answer"`  // the right letters, e.g. "B" or "ACD"
	Rule    string   `json:"rule"`    // the rule it tests, with its source
}

// Bank is the exam's question bank.
type Bank struct {
	Sample    bool       `json:"sample"` // the embedded sample, to be replaced
	Title     string     `json:"title"`
	Note      string     `json:"note"`
	Questions []Question `json:"questions"`
	Digest    string     `json:"-"` // SHA-256 of the file, kept with every attempt
}

// SampleBank returns the embedded sample bank.
func SampleBank() (*Bank, error) {
	b, err := sampleBank.ReadFile("bank/sample.json")
	if err != nil {
		return nil, err
	}
	return ParseBank(b)
}

// LoadBank reads the operator's bank at path, or the sample bank when
// there is no file there.
func LoadBank(path string) (*Bank, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return SampleBank()
	}
	if err != nil {
		return nil, fmt.Errorf("read the question bank: %w", err)
	}
	bank, err := ParseBank(b)
	if err != nil {
		return nil, fmt.Errorf("question bank %s: %w", path, err)
	}
	return bank, nil
}

// ParseBank reads and checks a bank: at least ExamQuestions questions,
// each with a unique id, a type, 2 to 8 options and its answer among them.
func ParseBank(b []byte) (*Bank, error) {
	var bank Bank
	if err := json.Unmarshal(b, &bank); err != nil {
		return nil, fmt.Errorf("not a question bank (JSON with \"questions\"): %w", err)
	}
	if len(bank.Questions) < ExamQuestions {
		return nil, fmt.Errorf("%d questions: a bank needs at least %d to draw an exam from; add questions", len(bank.Questions), ExamQuestions)
	}
	seen := map[string]bool{}
	for i, q := range bank.Questions {
		if err := q.check(); err != nil {
			return nil, fmt.Errorf("question %d (%q): %w", i+1, q.ID, err)
		}
		if seen[q.ID] {
			return nil, fmt.Errorf("question %d: id %q is used twice; give each question its own id", i+1, q.ID)
		}
		seen[q.ID] = true
	}
	sum := sha256.Sum256(b)
	bank.Digest = hex.EncodeToString(sum[:])
	return &bank, nil
}

func (q Question) check() error {
	switch {
	case !protocol.ValidID(q.ID):
		return errors.New("id: lower-case letters, digits and dashes")
	case strings.TrimSpace(q.Text) == "" || utf8.RuneCountInString(q.Text) > 1000:
		return errors.New("text: required, at most 1000 characters")
	case strings.TrimSpace(q.Rule) == "":
		return errors.New("rule: say which rule the question tests")
	case len(q.Options) < 2 || len(q.Options) > 8:
		return errors.New("options: 2 to 8")
	}
	for _, o := range q.Options {
		if strings.TrimSpace(o) == "" {
			return errors.New("options: an option is empty")
		}
	}
	n, err := choice(q.Answer, len(q.Options))
	if err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	switch {
	case q.Type == "single" && n != 1:
		return errors.New("answer: a single-choice question has exactly one")
	case q.Type == "multiple" && n < 2:
		return errors.New("answer: a multiple-choice question has two or more")
	case q.Type != "single" && q.Type != "multiple":
		return errors.New("type: single or multiple")
	}
	return nil
}

// choice checks letters (A, B, …, in order, no repeats) against n options
// and returns how many there are.
func choice(letters string, n int) (int, error) {
	if letters == "" {
		return 0, errors.New("no letter")
	}
	last := rune('A' - 1)
	for _, c := range letters {
		if c <= last || c >= rune('A'+n) {
			return 0, fmt.Errorf("%q: letters A to %c, in order, each once", letters, rune('A'+n-1))
		}
		last = c
	}
	return len(letters), nil
}
