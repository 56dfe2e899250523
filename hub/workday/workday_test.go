package workday

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func d(s string) Date {
	v, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

// Limits over the 2026 calendar, worked out by hand from the State
// Council's notice.
func TestAdd2026(t *testing.T) {
	c := New()
	cases := []struct {
		name, from, span, want string
	}{
		{"plain week", "2026-03-02", "5wd", "2026-03-09"},
		{"start day not counted", "2026-03-02", "1wd", "2026-03-03"},
		{"the start day needs no calendar: Dec 31, 2025 + 1wd", "2025-12-31", "1wd", "2026-01-04"},
		{"from Jan 1: Jan 4 (Sun) is the first working day", "2026-01-01", "1wd", "2026-01-04"},
		{"spring festival: Feb 14 (Sat) works", "2026-02-13", "1wd", "2026-02-14"},
		{"spring festival: Feb 15-23 off", "2026-02-14", "1wd", "2026-02-24"},
		{"spring festival: Feb 28 (Sat) works", "2026-02-26", "2wd", "2026-02-28"},
		{"qingming: Apr 4-6 off", "2026-04-03", "1wd", "2026-04-07"},
		{"labour day: May 1-5 off, May 9 (Sat) works", "2026-04-30", "4wd", "2026-05-09"},
		{"national day: Sep 30 + 7wd crosses Oct 1-7 and works Oct 10 (Sat)", "2026-09-30", "7wd", "2026-10-15"},
		{"Sep 20 (Sun) works", "2026-09-19", "1wd", "2026-09-20"},
		{"mid-autumn: Sep 25-27 off", "2026-09-24", "1wd", "2026-09-28"},
		{"20 days ending on Sunday move to Monday", "2026-03-02", "20d", "2026-03-23"},
		{"20 days ending in national day move to Oct 8", "2026-09-11", "20d", "2026-10-08"},
		{"20 days ending on Sat Oct 10, a make-up working day, stay", "2026-09-20", "20d", "2026-10-10"},
		{"30 days ending on Sunday move to Monday", "2026-06-01", "30d", "2026-07-01"},
		{"days ending in spring festival move to Feb 24", "2026-02-05", "10d", "2026-02-24"},
		{"limit ending on New Year of a year without a calendar", "2026-12-20", "12d", ""},
		{"working days crossing into 2027", "2026-12-30", "5wd", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sp, err := ParseSpan(tc.span)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Add(d(tc.from), sp)
			if tc.want == "" {
				if !errors.Is(err, ErrNoCalendar) {
					t.Fatalf("%s + %s = %s, %v: want ErrNoCalendar", tc.from, tc.span, got, err)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Fatalf("%s + %s = %s, %v; want %s", tc.from, tc.span, got, err, tc.want)
			}
		})
	}
}

func TestIsWorkingDay2026(t *testing.T) {
	c := New()
	for day, want := range map[string]bool{
		"2026-01-04": true, "2026-02-14": true, "2026-02-28": true, "2026-05-09": true,
		"2026-09-20": true, "2026-10-10": true, "2026-02-16": false, "2026-10-07": false,
		"2026-06-19": false, "2026-03-07": false, "2026-03-09": true,
	} {
		got, err := c.IsWorkingDay(d(day))
		if err != nil || got != want {
			t.Errorf("%s working: %v, %v; want %v", day, got, err, want)
		}
	}
}

func TestNoCalendarSaysWhatToLoad(t *testing.T) {
	_, err := New().AddWorkingDays(d("2027-03-01"), 1)
	if !errors.Is(err, ErrNoCalendar) || !strings.Contains(err.Error(), "2027.json") {
		t.Fatalf("err = %v: want ErrNoCalendar naming the file to load", err)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	y := `{"year": 2027, "source": "test", "off": ["2027-01-01"], "work": []}`
	if err := os.WriteFile(filepath.Join(dir, "2027.json"), []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	c := New()
	if err := c.LoadDir(dir); err != nil {
		t.Fatal(err)
	}
	got, err := c.AddWorkingDays(d("2026-12-31"), 1)
	if err != nil || got.String() != "2027-01-04" {
		t.Fatalf("Dec 31 + 1wd = %s, %v; want 2027-01-04 (Jan 1 off, then a weekend)", got, err)
	}
}

func TestLoadRefusesBadCalendars(t *testing.T) {
	for name, y := range map[string]string{
		"other year":      `{"year": 2027, "off": ["2026-01-01"], "work": []}`,
		"both":            `{"year": 2027, "off": ["2027-01-02"], "work": ["2027-01-02"]}`,
		"weekday make-up": `{"year": 2027, "off": [], "work": ["2027-01-04"]}`,
		"unknown field":   `{"year": 2027, "holidays": []}`,
		"bad date":        `{"year": 2027, "off": ["27-1-1"]}`,
	} {
		if err := New().Load([]byte(y)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestParseSpan(t *testing.T) {
	for _, s := range []string{"", "wd", "0d", "-3wd", "7w", "7 wd", "x7d"} {
		if _, err := ParseSpan(s); err == nil {
			t.Errorf("ParseSpan(%q) accepted", s)
		}
	}
	if sp, err := ParseSpan("15wd"); err != nil || sp != WD(15) || sp.String() != "15wd" {
		t.Fatalf("15wd: %v %v", sp, err)
	}
}

func TestBack(t *testing.T) {
	c := New()
	for _, tc := range []struct{ end, span, want string }{
		{"2026-10-12", "15d", "2026-09-27"},
		{"2026-10-12", "3wd", "2026-10-08"}, // Oct 10 (Sat) works, Oct 9, Oct 8
		{"2026-02-25", "2wd", "2026-02-14"}, // Feb 24, then Feb 14 across the festival
	} {
		sp, _ := ParseSpan(tc.span)
		got, err := c.Back(d(tc.end), sp)
		if err != nil || got.String() != tc.want {
			t.Errorf("%s - %s = %s, %v; want %s", tc.end, tc.span, got, err, tc.want)
		}
	}
}
