package vehicle_test

import (
	"strings"
	"testing"

	"github.com/fieldwork/fieldwork/domain/vehicle"
)

func TestParsePlate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr string
	}{
		{name: "Canonical", in: "粤B12345", want: "粤B12345"},
		{name: "LowerCaseSpaceAndMiddleDot", in: "粤b 123·45", want: "粤B12345"},
		{name: "DotsDashesAndIdeographicSpace", in: " 京A-12.3\u30004 ", want: "京A1234"},
		{name: "NewEnergyEightCharacters", in: "粤BD12345", want: "粤BD12345"},
		{name: "TwoCharactersIsShortest", in: "A1", want: "A1"},
		{name: "SixteenCharactersIsLongest", in: strings.Repeat("A", 16), want: strings.Repeat("A", 16)},
		{name: "OneCharacterTooShort", in: "粤", wantErr: "must be 2 to 16 letters and digits"},
		{name: "OnlySeparatorsTooShort", in: " · - ", wantErr: "must be 2 to 16 letters and digits"},
		{name: "SeventeenCharactersTooLong", in: strings.Repeat("A", 17), wantErr: "must be 2 to 16 letters and digits"},
		{name: "SeparatorsDoNotCountTowardsLength", in: strings.Repeat("A-", 16), want: strings.Repeat("A", 16)},
		{name: "HashRejected", in: "粤B#12345", wantErr: "may hold only letters and digits"},
		{name: "SlashRejected", in: "粤B/12345", wantErr: "may hold only letters and digits"},
		{name: "UnderscoreRejected", in: "粤B_12345", wantErr: "may hold only letters and digits"},
		{name: "EmojiRejected", in: "粤B1234🚗", wantErr: "may hold only letters and digits"},
		{name: "TabRejected", in: "粤B\t12345", wantErr: "may hold only letters and digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := vehicle.ParsePlate(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParsePlate(%q) error = %v, want none", tt.in, err)
				}
				if string(got) != tt.want {
					t.Errorf("ParsePlate(%q) = %q, want %q", tt.in, got, tt.want)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParsePlate(%q) error = %v, want %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestParsePlate_SpellingsOfOnePlateAreEqual(t *testing.T) {
	t.Parallel()
	a, errA := vehicle.ParsePlate("粤B·1234 5")
	b, errB := vehicle.ParsePlate("粤b12345")
	if errA != nil || errB != nil || a != b {
		t.Errorf("ParsePlate gave %q and %q (errors %v, %v), want the same plate", a, b, errA, errB)
	}
}
